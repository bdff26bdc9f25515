/// t-SNE's settings, defaulted as openTSNE defaults them.
public struct TSNEOptions: Sendable {
    /// 1 or 2 output coordinates.
    public var dimensions = 2
    /// The effective number of neighbours each point attends to; 3 x perplexity are searched.
    public var perplexity: Double = 30
    /// nil: N / exaggeration in each phase (openTSNE's "auto").
    public var learningRate: Float? = nil
    public var metric: Metric = .euclidean
    public var earlyExaggeration: Float = 12
    public var earlyExaggerationIterations = 250
    /// Iterations after early exaggeration.
    public var iterations = 500
    public var momentum: Float = 0.8
    /// Barnes-Hut accuracy: cells narrower than theta x their distance count as one mass.
    public var theta: Float = 0.5
    public var neighborMethod: NeighborMethod = .automatic
    public var seed: UInt64 = 0

    public init() {}
}

/// Barnes-Hut t-SNE (van der Maaten 2014) in 1-D or 2-D, with openTSNE's schedule: PCA
/// initialisation scaled to a standard deviation of 1e-4, early exaggeration, momentum with
/// per-coordinate gains. Memory grows linearly in N: the neighbour graph (3 x perplexity
/// neighbours per point), the sparse affinities, and O(N) for the tree and the optimiser.
public enum TSNE {
    public static func embed(_ points: Points, options: TSNEOptions = .init(),
                             progress: ProgressHandler? = nil) throws -> Embedding {
        guard options.dimensions == 1 || options.dimensions == 2 else {
            throw LayoutError.invalidOption(name: "dimensions", value: "\(options.dimensions)", expected: "1 or 2")
        }
        guard options.perplexity > 0 else {
            throw LayoutError.invalidOption(name: "perplexity", value: "\(options.perplexity)", expected: "a positive number")
        }
        if let rate = options.learningRate, !(rate > 0) {
            throw LayoutError.invalidOption(name: "learning-rate", value: "\(rate)", expected: "a positive number")
        }
        guard options.iterations >= 0, options.earlyExaggerationIterations >= 0 else {
            throw LayoutError.invalidOption(name: "iterations", value: "\(options.iterations), early \(options.earlyExaggerationIterations)",
                                            expected: "0 or more of each")
        }
        guard points.count >= 3 else {
            throw LayoutError.tooFewPoints(count: points.count, needed: 3, reason: "t-SNE needs neighbours to compare")
        }
        let k = min(points.count - 1, Int(3 * options.perplexity))
        let neighbors = try NearestNeighbors.search(points, k: k, metric: options.metric,
                                                    method: options.neighborMethod, seed: options.seed,
                                                    progress: progress)
        let affinities = PerplexityAffinities.build(neighbors, perplexity: min(options.perplexity, Double(k) / 3))
        progress?(LayoutProgress(stage: .affinities, completed: 1, total: 1,
                                 detail: "perplexity \(options.perplexity): \(affinities.edgeCount) affinities"))
        var random = SeededGenerator(seed: options.seed, stream: 0x75E)
        var initial = PrincipalComponents.project(points, dimensions: options.dimensions, random: &random)
        scaleFirstAxis(&initial, dimensions: options.dimensions, toStandardDeviation: 1e-4)
        progress?(LayoutProgress(stage: .initialisation, completed: 1, total: 1, detail: "pca"))
        let optimizer = TSNEOptimizer(options: options)
        let values = optimizer.optimise(initial, dimensions: options.dimensions, affinities: affinities,
                                        progress: progress)
        return Embedding(count: points.count, dimension: options.dimensions, values: values)
    }

    /// Scales all coordinates so that the first axis has the given standard deviation.
    static func scaleFirstAxis(_ coordinates: inout [Float], dimensions: Int, toStandardDeviation target: Double) {
        let first = stride(from: 0, to: coordinates.count, by: dimensions).map { Double(coordinates[$0]) }
        let mean = first.reduce(0, +) / Double(max(1, first.count))
        let deviation = (first.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, first.count))).squareRoot()
        guard deviation > 0 else { return }
        let scale = Float(target / deviation)
        for i in coordinates.indices { coordinates[i] *= scale }
    }
}
