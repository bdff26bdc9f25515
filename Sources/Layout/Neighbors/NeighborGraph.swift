/// The k nearest neighbours of every point, itself excluded, nearest first.
public struct NeighborGraph: Sendable {
    public let count: Int
    public let k: Int
    /// N x k neighbour indices, row by row.
    public let indices: [Int32]
    /// N x k distances in the metric's own units (euclidean distance, or 1 - cosine).
    public let distances: [Float]

    public init(count: Int, k: Int, indices: [Int32], distances: [Float]) {
        precondition(indices.count == count * k && distances.count == count * k)
        self.count = count
        self.k = k
        self.indices = indices
        self.distances = distances
    }

    /// The sorted heaps, with squared distances turned into `metric` distances.
    init(_ heaps: NeighborHeaps, metric: Metric) {
        var heaps = heaps
        heaps.sortRows()
        self.init(count: heaps.count, k: heaps.k, indices: heaps.indices,
                  distances: heaps.distances.map { metric.distance(fromSquared: max(0, $0)) })
    }

    /// The fraction of `reference`'s neighbour lists found in this graph's (recall).
    public func recall(against reference: NeighborGraph) -> Double {
        precondition(reference.count == count && reference.k == k)
        var found = 0
        for row in 0..<count {
            let mine = Set(indices[row * k..<(row + 1) * k])
            found += reference.indices[row * k..<(row + 1) * k].reduce(0) { $0 + (mine.contains($1) ? 1 : 0) }
        }
        return Double(found) / Double(max(1, count * k))
    }
}
