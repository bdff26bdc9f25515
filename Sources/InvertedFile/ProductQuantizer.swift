import Optvis

/// A product quantiser (Jégou et al. 2011, FAISS's PQ): a vector's channels are cut into
/// `subspaces` equal runs, and each run is stored as the number of its nearest codeword in that
/// run's codebook (at most 256 codewords: one byte). The dot product of a query with a coded
/// vector is then the sum of one table entry per run (`lookupTable`), with no decoding.
struct ProductQuantizer: Sendable {
    let channels: Int
    let subspaces: Int
    let codewords: Int
    /// One set per run: its codebook [codewords, width].
    let codebooks: CentroidTables

    var width: Int { channels / subspaces }

    init(codebooks: CentroidTables, channels: Int) {
        precondition(!codebooks.counts.isEmpty && channels % codebooks.counts.count == 0)
        (self.codebooks, self.channels, subspaces, codewords) = (codebooks, channels, codebooks.counts.count, codebooks.counts[0])
    }

    /// The number of runs for `channels`: the largest divisor of `channels` up to 16 (96 -> 16
    /// runs of 6, 1280 -> 16 of 80).
    static func subspaces(for channels: Int) -> Int {
        (1...min(16, channels)).last { channels % $0 == 0 }!
    }

    /// Trains the codebooks on `vectors` ([n, channels]): k-means in each run.
    static func train(_ vectors: [Float], channels: Int, iterations: Int, generator: inout SeededGenerator) -> ProductQuantizer {
        let n = vectors.count / channels, subspaces = subspaces(for: channels), width = channels / subspaces
        let codebooks = (0..<subspaces).map { run in
            var slice = [Float](repeating: 0, count: n * width)
            for row in 0..<n {
                for d in 0..<width { slice[row * width + d] = vectors[row * channels + run * width + d] }
            }
            return KMeans.fit(slice, dimensions: width, k: min(256, n), iterations: iterations, generator: &generator)
        }
        return ProductQuantizer(codebooks: CentroidTables(codebooks, dimensions: width), channels: channels)
    }

    /// Codes `x` (`channels` floats) into `subspaces` bytes.
    func encode(_ x: UnsafePointer<Float>, into code: UnsafeMutablePointer<UInt8>) {
        for run in 0..<subspaces { code[run] = UInt8(codebooks.nearest(in: run, x + run * width)) }
    }

    /// table[run * 256 + w] = u's run . codeword w of that run: the dot product of u with a coded
    /// vector is the sum over runs of table[run * 256 + code[run]]. Rows are 256 long whatever
    /// the codebooks' size (0 past it), so that any byte of a damaged file reads inside the table.
    func lookupTable(_ u: UnsafePointer<Float>) -> [Float] {
        var table = [Float](repeating: 0, count: subspaces * 256)
        table.withUnsafeMutableBufferPointer { table in
            for run in 0..<subspaces { codebooks.dots(in: run, u + run * width, into: table.baseAddress! + run * 256) }
        }
        return table
    }
}

/// The inverted file's lists: a two-level k-means partition of the positions. `top` centroids
/// split the space, and each top centroid's part is split again into its own sub-centroids; a
/// list is one sub-centroid. Placing a vector takes top + sub comparisons, not lists: at 3,481
/// lists (59 x 59) about 120 instead of 3,481, which is what makes placing 200 million positions
/// affordable on two cores. A query compares itself with every list centroid (`flat`).
struct CoarseQuantizer: Sendable {
    let top: CentroidTables
    /// One set per top centroid: its sub-centroids; list numbers run through the sets in order.
    let subs: CentroidTables
    /// Every list's centroid, [lists, channels], as one set.
    let flat: CentroidTables

    var lists: Int { flat.counts[0] }

    init(top: CentroidTables, subs: CentroidTables) {
        (self.top, self.subs) = (top, subs)
        flat = CentroidTables(subs.centroids, dimensions: top.dimensions)
    }

    /// The list of `x`.
    func list(of x: UnsafePointer<Float>) -> Int {
        let t = top.nearest(x)
        return subs.firstCentroid[t] + subs.nearest(in: t, x)
    }

    /// Trains on `sample` ([n, channels]) for about `lists` lists: sqrt(lists) top centroids,
    /// and each top part split into sub-centroids in proportion to its share of the sample
    /// (at least one, at most its members).
    static func train(_ sample: [Float], channels: Int, lists: Int, iterations: Int,
                      generator: inout SeededGenerator) -> CoarseQuantizer {
        let n = sample.count / channels
        let topCount = max(1, min(n, Int(Double(lists).squareRoot().rounded())))
        let topCentroids = KMeans.fit(sample, dimensions: channels, k: topCount, iterations: iterations, generator: &generator)
        let top = CentroidTables(topCentroids, dimensions: channels)
        let labels = KMeans.assign(sample, dimensions: channels, to: top)
        var members = [[Int]](repeating: [], count: topCount)
        for (row, label) in labels.enumerated() { members[label].append(row) }
        let subs = (0..<topCount).map { t -> [Float] in
            guard !members[t].isEmpty else { return Array(topCentroids[t * channels..<(t + 1) * channels]) }
            let part = members[t].flatMap { sample[$0 * channels..<($0 + 1) * channels] }
            let k = max(1, min(members[t].count, Int((Double(lists) * Double(members[t].count) / Double(n)).rounded())))
            return KMeans.fit(part, dimensions: channels, k: k, iterations: iterations, generator: &generator)
        }
        return CoarseQuantizer(top: top, subs: CentroidTables(subs, dimensions: channels))
    }
}
