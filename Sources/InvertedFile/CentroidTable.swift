/// Sets of centroids laid out for the two questions the inverted file asks of them: which
/// centroid of a set is nearest a vector (L2: the largest x.c - |c|^2 / 2), and every centroid's
/// dot product with a vector. Both run over 16 centroids at a time (SIMD16 along a transposed
/// copy), so a vector is placed among 64 centroids of 96 dimensions in 384 vector
/// multiply-adds. All sets live in one buffer: a hot loop that picks a set (a sub-centroid
/// level, a product-quantiser run) copies no array out of another, which would cost an atomic
/// reference count per vector that the threads would fight over.
struct CentroidTables: Sendable {
    let dimensions: Int
    /// Each set's centroids, [count, dimensions] row by row, all sets end to end.
    let centroids: [Float]
    /// Each set's number of centroids, and its first centroid.
    let counts: [Int]
    let firstCentroid: [Int]
    /// Per set, from `start[set]`: [dimensions, padded] (centroid c's component d at
    /// d * padded + c) then [padded] |c|^2 / 2 (+infinity for the padding: never nearest).
    private let storage: [Float]
    private let start: [Int]
    private let padded: [Int]

    /// `sets`: each set's centroids, [count, dimensions] row by row.
    init(_ sets: [[Float]], dimensions: Int) {
        precondition(dimensions > 0 && sets.allSatisfy { !$0.isEmpty && $0.count % dimensions == 0 })
        var storage: [Float] = [], start: [Int] = [], padded: [Int] = []
        for set in sets {
            let count = set.count / dimensions, width = (count + 15) / 16 * 16
            start.append(storage.count)
            padded.append(width)
            var transposed = [Float](repeating: 0, count: dimensions * width), halfNorms = [Float](repeating: .infinity, count: width)
            for c in 0..<count {
                var norm: Float = 0
                for d in 0..<dimensions {
                    let value = set[c * dimensions + d]
                    transposed[d * width + c] = value
                    norm += value * value
                }
                halfNorms[c] = norm / 2
            }
            storage += transposed + halfNorms
        }
        (self.dimensions, self.storage, self.start, self.padded) = (dimensions, storage, start, padded)
        counts = sets.map { $0.count / dimensions }
        firstCentroid = counts.reduce(into: [0]) { $0.append($0.last! + $1) }.dropLast()
        centroids = sets.flatMap { $0 }
    }

    /// One set.
    init(_ centroids: [Float], dimensions: Int) {
        self.init([centroids], dimensions: dimensions)
    }

    /// The centroid of set `set` nearest `x` (`dimensions` floats), numbered within the set; the
    /// lowest number among ties. Each of the 16 lanes keeps its best, and the lanes are compared
    /// once at the end.
    func nearest(in set: Int = 0, _ x: UnsafePointer<Float>) -> Int {
        let width = padded[set], dimensions = self.dimensions
        return storage.withUnsafeBufferPointer { storage in
            let t = UnsafeRawPointer(storage.baseAddress! + start[set]), h = t + dimensions * width * 4
            var best = SIMD16<Float>(repeating: -.infinity), bestBlock = SIMD16<Int32>(repeating: 0)
            for block in stride(from: 0, to: width, by: 16) {
                var score = -h.loadUnaligned(fromByteOffset: block * 4, as: SIMD16<Float>.self)
                for d in 0..<dimensions {
                    score.addProduct(SIMD16(repeating: x[d]), t.loadUnaligned(fromByteOffset: (d * width + block) * 4, as: SIMD16<Float>.self))
                }
                let better = score .> best
                best.replace(with: score, where: better)
                bestBlock.replace(with: SIMD16(repeating: Int32(block)), where: better)
            }
            let top = best.max()
            var found = Int.max
            for lane in 0..<16 where best[lane] == top { found = min(found, Int(bestBlock[lane]) + lane) }
            return found == Int.max ? 0 : found
        }
    }

    /// x . c for every centroid c of set `set`, into `out` (its count of floats).
    func dots(in set: Int = 0, _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let width = padded[set], dimensions = self.dimensions, count = counts[set]
        storage.withUnsafeBufferPointer { storage in
            let t = UnsafeRawPointer(storage.baseAddress! + start[set])
            for block in stride(from: 0, to: width, by: 16) {
                var dot = SIMD16<Float>()
                for d in 0..<dimensions {
                    dot.addProduct(SIMD16(repeating: x[d]), t.loadUnaligned(fromByteOffset: (d * width + block) * 4, as: SIMD16<Float>.self))
                }
                for lane in 0..<min(16, count - block) { out[block + lane] = dot[lane] }
            }
        }
    }

    /// |c|^2 / 2 of centroid `c` of set `set`.
    func halfNorm(in set: Int = 0, _ c: Int) -> Float { storage[start[set] + dimensions * padded[set] + c] }
}
