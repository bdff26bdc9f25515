import Imaging
import Models
import Optvis
import Tensor

/// Renders atlas icons: feature visualizations of cell vectors (ALGORITHMS.md section 6), the
/// whitened direction at the centre of the layer scored by dot x cos^power, through an FFT
/// image with decorrelated colour and the reference transforms, several cells per batch.
public struct IconRenderer: Sendable {
    public let layer: String
    public let whitening: Whitening
    public let size: Int
    public let steps: Int
    public let attempts: Int
    public let cossimPower: Float

    public init(layer: String, whitening: Whitening, size: Int, steps: Int, attempts: Int, cossimPower: Float) {
        (self.layer, self.whitening, self.size, self.steps, self.attempts) = (layer, whitening, size, steps, attempts)
        self.cossimPower = cossimPower
    }

    /// One icon per vector, rendered as one batch from `seed`; and each icon's final objective.
    public func render(_ vectors: [[Float]], model: some DifferentiableLayerModel,
                       seed: UInt64) throws -> (icons: [RGBImage], objective: [Float]) {
        guard !vectors.isEmpty else { return ([], []) }
        let objective = Objective.sum(try vectors.enumerated().map { item, vector in
            try Objective.directionCosine(layer, vector, power: cossimPower, whitening: whitening, item: item)
        })
        let result = try Optvis.render(objective: objective,
                                       parameterization: ParameterizedImage(width: size, height: size, batch: vectors.count),
                                       transforms: standardTransforms(size: size), steps: steps, model: model, seed: seed,
                                       attempts: attempts)
        let icons = try (0..<vectors.count).map { item in
            try RGBImage.sheet(of: result.images.batchItems(item..<item + 1), columns: 1, gap: 0)
        }
        return (icons, result.objective)
    }
}
