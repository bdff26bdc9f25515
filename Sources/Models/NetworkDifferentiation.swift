import Tensor

/// Feature visualization renders through a `Network`. The conformance lives here, with the type,
/// so that every client (the CLI, the tests, the benchmark) gets the same one; the protocol lives
/// in Tensor, so Models needs nothing from Optvis.
extension Network: DifferentiableLayerModel {
    /// Normalises `images` (NCHW, RGB in [0, 1]) with the network's mean and deviation, runs them
    /// to `layer` and pulls gradients back through the normalisation too.
    public func activationWithPullback(images: Tensor, layer: String) throws -> (Tensor, Pullback) {
        guard images.rank == 4, images.shape[1] == 3 else {
            throw ModelError("\(name) reads NCHW RGB images, got a tensor of shape \(images.shape)")
        }
        let plane = images.shape[2] * images.shape[3]
        let (mean, deviation) = (normalization.mean, normalization.standardDeviation)
        let (activation, pullback) = try forwardWithPullback(
            Tensor(shape: images.shape, values: Self.perChannel(images.values, plane: plane) { ($0 - mean[$1]) / deviation[$1] }),
            to: layer)
        return (activation, { gradient in
            try Tensor(shape: images.shape, values: Self.perChannel(try pullback(gradient).values, plane: plane) { $0 / deviation[$1] })
        })
    }

    /// `transform(value, channel)` over NCHW values of 3 channels, one channel plane at a time.
    private static func perChannel(_ values: [Float], plane: Int, _ transform: (Float, Int) -> Float) -> [Float] {
        var result = values
        result.withUnsafeMutableBufferPointer { result in
            for start in stride(from: 0, to: result.count, by: plane) {
                let channel = start / plane % 3
                for i in start..<start + plane { result[i] = transform(result[i], channel) }
            }
        }
        return result
    }
}
