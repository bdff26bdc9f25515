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
