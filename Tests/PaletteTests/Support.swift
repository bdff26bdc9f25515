import Foundation
import Optvis
import Tensor
import XCTest

@testable import Collect

/// A synthetic collection: `clusters` groups of samples around random centres in `channels`
/// dimensions, each group attributed mostly to its own class.
func syntheticSamples(clusters: Int = 4, perCluster: Int = 60, channels: Int = 6, topK: Int = 3,
                      seed: UInt64 = 1) throws -> SampleSet {
    var generator = SeededGenerator(seed: seed)
    let centres = (0..<clusters).map { _ in generator.normal(count: channels, sd: 3) }
    var activations: [Float] = [], classes: [Int] = [], attributions: [Float] = [], origins: [Int] = []
    for (cluster, centre) in centres.enumerated() {
        for i in 0..<perCluster {
            activations += zip(centre, generator.normal(count: channels, sd: 0.3)).map(+)
            classes += [cluster, (cluster + 1) % 10, 9]
            attributions += [1.0, 0.25, Float(i % 2)].prefix(topK)
            origins += [cluster * perCluster + i, 1, 1]
        }
    }
    let header = CollectionHeader(
        format: CollectionHeader.currentFormat, model: "mobilenet_v2", weightsSHA256: "abc123", layer: "features.13",
        channels: channels, layerHeight: 14, layerWidth: 14, inputSize: 224, perImage: 1, topK: topK, seed: 0,
        augmentations: 0, images: (0..<clusters * perCluster).map { .init(path: "image\($0).png", sha256: "") },
        imagesSHA256: "images", shards: [])
    return try SampleSet(header: header, activations: activations, classes: classes, attributions: attributions, origins: origins)
}

/// Ten labels in the ImageNet style ("name, synonym").
let testLabels = (0..<10).map { "class\($0), synonym\($0)" }

/// A fresh temporary folder, removed when the test ends.
func temporaryFolder(_ test: XCTestCase) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("palette-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
    return folder
}

/// A model whose layer "linear" is a per-pixel linear map of the image to `channels` channels:
/// cheap enough to render icons with in a debug build.
struct LinearPixelModel: DifferentiableLayerModel {
    let channels: Int
    let weights: [Float]

    init(channels: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        (self.channels, weights) = (channels, generator.normal(count: channels * 3, sd: 1))
    }

    func activationWithPullback(images: Tensor, layer: String) throws -> (Tensor, Pullback) {
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
