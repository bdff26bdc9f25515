import Layout

/// How a palette lays its samples out in 2-D.
public enum PaletteLayoutMethod: String, Sendable, Equatable, CaseIterable {
    /// UMAP (the default, and the article's for whole-layer atlases).
    case umap
    /// Barnes-Hut t-SNE (the article's choice for class atlases).
    case tsne
}

/// The settings of `atlas palette build`, defaulted as the issue and lucid's notebooks.
public struct PaletteBuildOptions: Sendable, Equatable {
    /// The atlas is `grid` x `grid` cells; a cell is kept with at least `minDensity` samples.
    public var grid = 20
    public var minDensity = 8
    /// UMAP: neighbours, minimum distance, metric; on whitened activations unless `whitenLayout` is false.
    public var neighbors = 20
    public var minDist: Float = 0.01
    public var metric: Metric = .cosine
    public var whitenLayout = true
    /// The layout: UMAP (neighbours, minimum distance above) or t-SNE (perplexity); both with `metric`.
    public var layoutMethod = PaletteLayoutMethod.umap
    public var perplexity: Double = 30
    /// Icons: side in pixels, optimisation steps, attempts (the best is kept), the cosine power of
    /// the objective, and how many render together.
    public var iconSize = 80
    public var steps = 256
    public var attempts = 1
    public var cossimPower: Float = 4
    public var batch = 16
    /// Classes listed per cell in palette.json.
    public var topClasses = 5
    /// The side in pixels of the atlas picture's grid (default: grid x icon size).
    public var atlasSide: Int?
    public var seed: UInt64 = 0

    public init() {}

    /// Throws unless every setting is in range.
    public func validate() throws {
        guard grid > 0, grid <= 320 else { throw PaletteError("--grid must be 1 to 320 cells per side, got \(grid)") }
        guard minDensity > 0 else { throw PaletteError("--min-density must be at least 1, got \(minDensity)") }
        guard neighbors >= 2 else { throw PaletteError("--neighbors must be at least 2, got \(neighbors)") }
        guard minDist >= 0, minDist <= 1 else { throw PaletteError("--min-dist must be in [0, 1], got \(minDist)") }
        guard perplexity > 0, perplexity <= 1000 else { throw PaletteError("--perplexity must be in (0, 1000], got \(perplexity)") }
        guard iconSize >= 16 else { throw PaletteError("--size must be at least 16 pixels, got \(iconSize)") }
        guard steps > 0, attempts > 0, batch > 0 else {
            throw PaletteError("--steps, --attempts and --batch must be positive, got \(steps), \(attempts), \(batch)")
        }
        guard topClasses > 0 else { throw PaletteError("classes per cell must be positive, got \(topClasses)") }
    }

    /// The parameters recorded in palette.json.
    public var parameters: PaletteParameters {
        var parameters = PaletteParameters(neighbors: neighbors, minDist: minDist, metric: metric.rawValue, whitenedLayout: whitenLayout,
                                           minDensity: minDensity, iconSize: iconSize, steps: steps, attempts: attempts,
                                           cossimPower: cossimPower)
        if layoutMethod == .tsne { (parameters.layout, parameters.perplexity) = (layoutMethod.rawValue, perplexity) }
        return parameters
    }

    /// What the layout depends on besides the samples.
    var layoutKey: String {
        switch layoutMethod {
        case .umap: "umap neighbors=\(neighbors) minDist=\(minDist) metric=\(metric.rawValue) whiten=\(whitenLayout) seed=\(seed)"
        case .tsne: "tsne perplexity=\(perplexity) metric=\(metric.rawValue) whiten=\(whitenLayout) seed=\(seed)"
        }
    }

    /// What the icons depend on besides the layout.
    var iconKey: String {
        "grid=\(grid) minDensity=\(minDensity) size=\(iconSize) steps=\(steps) attempts=\(attempts) power=\(cossimPower) batch=\(batch)"
    }
}
