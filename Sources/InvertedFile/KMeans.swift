import Optvis
import Search

/// Lloyd's k-means (L2), seeded: the coarse lists and the product quantiser's codebooks are
/// trained with it on a sample of an index's positions.
enum KMeans {
    /// `k` centroids ([k, dimensions]) of the rows of `points` ([n, dimensions]), from `k`
    /// distinct random rows, after `iterations` rounds of assigning every row to its nearest
    /// centroid and moving each centroid to its rows' mean. A centroid left without rows moves to
    /// a random row. `k` is at most n.
    static func fit(_ points: [Float], dimensions: Int, k: Int, iterations: Int, generator: inout SeededGenerator) -> [Float] {
        let n = points.count / dimensions
        precondition(k >= 1 && k <= n)
        var order = Array(0..<n)
        for i in 0..<k { order.swapAt(i, Int.random(in: i..<n, using: &generator)) }
        var centroids = order.prefix(k).flatMap { points[$0 * dimensions..<($0 + 1) * dimensions] }
        for _ in 0..<iterations {
            let labels = assign(points, dimensions: dimensions, to: CentroidTables(centroids, dimensions: dimensions))
            var sums = [Float](repeating: 0, count: k * dimensions), counts = [Int](repeating: 0, count: k)
            for (row, label) in labels.enumerated() {
                counts[label] += 1
                for d in 0..<dimensions { sums[label * dimensions + d] += points[row * dimensions + d] }
            }
            for c in 0..<k {
                if counts[c] == 0 {
                    let row = Int.random(in: 0..<n, using: &generator)
                    for d in 0..<dimensions { centroids[c * dimensions + d] = points[row * dimensions + d] }
                } else {
                    for d in 0..<dimensions { centroids[c * dimensions + d] = sums[c * dimensions + d] / Float(counts[c]) }
                }
            }
        }
        return centroids
    }

    /// Each row's nearest centroid, the rows split among the cores.
    static func assign(_ points: [Float], dimensions: Int, to table: CentroidTables) -> [Int] {
        let n = points.count / dimensions, parts = min(n, 64)
        return points.withUnsafeBufferPointer { points in
            Array(parallelMap(parts) { part in
                ((n * part / parts)..<(n * (part + 1) / parts)).map { table.nearest(points.baseAddress! + $0 * dimensions) }
            }.joined())
        }
    }
}
