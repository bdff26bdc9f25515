/// How to find nearest neighbours.
public enum NeighborMethod: String, Sendable, CaseIterable {
    /// Exact below `NearestNeighbors.exactLimit` points, approximate above.
    case automatic
    /// Brute force, N^2 D work.
    case exact
    /// Random projection forest + NN-descent, about N k^2 D log N work.
    case approximate
}

/// The k-nearest-neighbour graph of a point set, exact or approximate.
public enum NearestNeighbors {
    /// Up to this many points `.automatic` searches exactly.
    public static let exactLimit = 12_000

    /// The `k` nearest neighbours of every point (itself excluded) under `metric`.
    public static func search(_ points: Points, k: Int, metric: Metric, method: NeighborMethod = .automatic,
                              seed: UInt64 = 0, progress: ProgressHandler? = nil) throws -> NeighborGraph {
        guard k >= 1 else { throw LayoutError.invalidOption(name: "neighbours", value: "\(k)", expected: "at least 1") }
        guard points.count > k else {
            throw LayoutError.tooFewPoints(count: points.count, needed: k + 1, reason: "each point needs \(k) neighbours")
        }
        let (slots, overflow) = points.count.multipliedReportingOverflow(by: k)
        guard !overflow, slots <= Int(UInt32.max) else {
            throw LayoutError.invalidOption(name: "neighbours", value: "\(k)",
                                            expected: "points x neighbours at most \(UInt32.max) (\(points.count) points)")
        }
        let vectors = PreparedVectors(points, metric: metric)
        let exact: Bool
        switch method {
        case .automatic: exact = points.count <= exactLimit
        case .exact: exact = true
        case .approximate: exact = false
        }
        let heaps = exact
            ? ExactNeighbors.search(vectors, k: k, progress: progress)
            : NNDescent.search(vectors, k: k, parameters: .init(count: points.count, k: k), seed: seed, progress: progress)
        return NeighborGraph(heaps, metric: metric)
    }
}
