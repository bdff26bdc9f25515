/// UMAP's settings, named and defaulted as umap-learn names them.
public struct UMAPOptions: Sendable {
    /// Neighbourhood size, the point itself included (umap-learn's n_neighbors).
    public var neighbors = 15
    /// How tightly points may pack in the layout.
    public var minDist: Double = 0.1
    public var spread: Double = 1.0
    public var metric: Metric = .euclidean
    /// Output coordinates: 1 to 4.
    public var dimensions = 2
    /// nil: 500 up to 10,000 points, 200 above (umap-learn's rule).
    public var epochs: Int? = nil
    /// umap-learn's learning_rate; each step is half of it (UMAPOptimizer.stepScale says why).
    public var learningRate: Float = 1
    public var repulsionStrength: Float = 1
    public var negativeSampleRate = 5
    /// The most pushes a sample may bring (the epoch kernel counts them in 32 bits; umap-learn's
    /// default is 5).
    public static let maximumNegativeSampleRate = 65536
    public var neighborMethod: NeighborMethod = .automatic
    public var seed: UInt64 = 0

    public init() {}
}

/// UMAP (McInnes, Healy & Melville 2018): k nearest neighbours, a fuzzy graph over them, a
/// spectral initial layout, then stochastic gradient descent of the graph's cross-entropy.
///
/// Memory grows linearly in N: the input (N x D floats; a padded copy of it for the distance
/// kernels only where D is not a multiple of 16), N x k neighbour indices and distances, a sparse graph of at most 2 N k
/// edges (about 16 bytes each while optimising), and the N x dimensions layout.
public enum UMAP {
    public static func embed(_ points: Points, options: UMAPOptions = .init(),
                             progress: ProgressHandler? = nil) throws -> Embedding {
        guard options.neighbors >= 2 else {
            throw LayoutError.invalidOption(name: "neighbours", value: "\(options.neighbors)", expected: "at least 2")
        }
        guard options.minDist >= 0, options.spread > 0, options.minDist <= options.spread else {
            throw LayoutError.invalidOption(name: "min-dist", value: "\(options.minDist)",
                                            expected: "0 <= min-dist <= spread (\(options.spread))")
        }
        guard (1...UMAPOptimizer.maximumDimensions).contains(options.dimensions) else {
            throw LayoutError.invalidOption(name: "dimensions", value: "\(options.dimensions)",
                                            expected: "1 to \(UMAPOptimizer.maximumDimensions)")
        }
        if let epochs = options.epochs, epochs < 0 {
            throw LayoutError.invalidOption(name: "epochs", value: "\(epochs)", expected: "0 or more")
        }
        guard (1...UMAPOptions.maximumNegativeSampleRate).contains(options.negativeSampleRate) else {
            throw LayoutError.invalidOption(name: "negative sample rate", value: "\(options.negativeSampleRate)",
                                            expected: "1 to \(UMAPOptions.maximumNegativeSampleRate)")
        }
        guard options.learningRate > 0, options.learningRate.isFinite,
              options.repulsionStrength >= 0, options.repulsionStrength.isFinite else {
            throw LayoutError.invalidOption(name: "learning rate / repulsion strength",
                                            value: "\(options.learningRate) / \(options.repulsionStrength)",
                                            expected: "a positive finite rate and a finite strength of 0 or more")
        }
        let neighbors = try NearestNeighbors.search(points, k: options.neighbors - 1, metric: options.metric,
                                                    method: options.neighborMethod, seed: options.seed,
                                                    progress: progress)
        // Each stage's input is consumed where it is last used, so that its memory is freed
        // before the next stage's peak (the neighbour lists before the epochs; the graph once
        // the epochs' schedule is built from it).
        let graph = FuzzySimplicialSet.build(consume neighbors)
        progress?(LayoutProgress(stage: .graph, completed: 1, total: 1,
                                 detail: "fuzzy simplicial set: \(graph.edgeCount) edges"))
        var random = SeededGenerator(seed: options.seed, stream: 0x1417)
        var (coordinates, kind) = InitialLayout.make(graph, points: points, dimensions: options.dimensions,
                                                     random: &random)
        normaliseToBox(&coordinates, dimensions: options.dimensions)
        progress?(LayoutProgress(stage: .initialisation, completed: 1, total: 1, detail: kind.rawValue))
        let (a, b) = CurveFit.ab(minDist: options.minDist, spread: options.spread)
        let optimizer = UMAPOptimizer(a: Float(a), b: Float(b), repulsionStrength: options.repulsionStrength,
                                      learningRate: options.learningRate,
                                      negativeSampleRate: options.negativeSampleRate)
        let epochs = options.epochs ?? (points.count <= 10_000 ? 500 : 200)
        optimizer.optimise(&coordinates, dimensions: options.dimensions, graph: consume graph, epochs: epochs,
                           seed: options.seed, progress: progress)
        return Embedding(count: points.count, dimension: options.dimensions, values: coordinates)
    }

    /// Each axis scaled into [0, 10], as umap-learn does before optimising.
    static func normaliseToBox(_ coordinates: inout [Float], dimensions: Int) {
        for axis in 0..<dimensions {
            let values = stride(from: axis, to: coordinates.count, by: dimensions).map { coordinates[$0] }
            guard let low = values.min(), let high = values.max(), high > low else { continue }
            for i in stride(from: axis, to: coordinates.count, by: dimensions) {
                coordinates[i] = 10 * (coordinates[i] - low) / (high - low)
            }
        }
    }
}
