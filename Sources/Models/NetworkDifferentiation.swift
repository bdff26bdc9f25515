import Optvis
import Tensor

/// Feature visualization renders through a `Network`. The conformance lives here, with the type,
/// so that every client (the CLI, the tests, the benchmark) gets the same one: Models depends on
/// Optvis for it, which is no cycle (Optvis depends only on Tensor and FFTW).
extension Network: DifferentiableLayerModel {
    /// Normalises `images` (NCHW, RGB in [0, 1]) with the network's mean and deviation, runs them
    /// to `layer` and pulls gradients back through the normalisation too.
    public func activationWithPullback(images: Tensor, layer: String) throws -> (Tensor, Pullback) {
        guard images.rank == 4, images.shape[1] == 3 else {
            throw ModelError("\(name) reads NCHW RGB images, got a tensor of shape \(images.shape)")
        }
        let plane = images.shape[2] * images.shape[3]
        let (mean, deviation) = (normalization.mean, normalization.standardDeviation)
        var normalized = images.values
        for index in normalized.indices {
            let channel = index / plane % 3
            normalized[index] = (normalized[index] - mean[channel]) / deviation[channel]
        }
        let (activation, pullback) = try forwardWithPullback(Tensor(shape: images.shape, values: normalized), to: layer)
        return (activation, { gradient in
            var imageGradient = try pullback(gradient).values
            for index in imageGradient.indices { imageGradient[index] /= deviation[index / plane % 3] }
            return try Tensor(shape: images.shape, values: imageGradient)
        })
    }
}
