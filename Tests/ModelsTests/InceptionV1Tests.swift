import ArrayFiles
import Foundation
import Models
import Optvis
import Tensor
import XCTest
import TestSupport

/// InceptionV1 built from a random checkpoint with inception5h.pth's names and shapes (written
/// by Tests/Reference/inception_v1.py, no torch needed: the real checkpoint cannot be fetched
/// offline), against that script's independent float64 numpy forward pass.
final class InceptionV1Tests: XCTestCase {
    /// The checkpoint and the network, made once for the class. XCTest runs a class's tests one
    /// after another on one thread, hence `nonisolated(unsafe)`.
    nonisolated(unsafe) private static var loaded: (network: Network, folder: String)?

    private func loadNetwork() throws -> (network: Network, folder: String) {
        if let loaded = Self.loaded { return loaded }
        let folder = try TestFiles.temporaryFolder("models")
        try Python.runReference("inception_v1.py", ["--make-weights", "\(folder)/inception5h.pth", "--seed", "3"])
        // No sha256 is known for inception5h.pth: verifying only checks that the file loads.
        let network = try ModelName.inceptionV1.load(weightsAt: "\(folder)/inception5h.pth")
        Self.loaded = (network, folder)
        return (network, folder)
    }

    override class func tearDown() {
        if let folder = loaded?.folder { try? FileManager.default.removeItem(atPath: folder) }
        loaded = nil
    }

    /// The layers the reference writes; `localresponsenorm1` and the branches of mixed4c cover
    /// the operations between the blocks and inside one.
    private static let comparedLayers = ["conv2d0", "maxpool0", "localresponsenorm0", "conv2d1", "conv2d2", "localresponsenorm1",
                                         "maxpool1", "mixed3a", "mixed3b", "maxpool4", "mixed4a", "mixed4c_3x3", "mixed4c_pool",
                                         "mixed4c", "mixed4e", "maxpool10", "mixed5a", "mixed5b"]

    /// Two random 96 px images, normalised by the network (x * 255 - 117) and run to every
    /// compared layer, the logits and the probabilities.
    func testMatchesNumpyReference() throws {
        let (network, folder) = try loadNetwork()
        let out = "\(folder)/reference"
        try Python.runReference("inception_v1.py", ["--weights", network.weightsPath, "--out", out, "--size", "96"])
        let images = try NPY.read("\(out)/images.npy")
        let plane = images.shape[2] * images.shape[3]
        let (mean, deviation) = (network.normalization.mean, network.normalization.standardDeviation)
        let input = try Tensor(shape: images.shape, values: images.values.enumerated().map { index, value in
            (value - mean[index / plane % 3]) / deviation[index / plane % 3]
        })
        let outputs = try network.forward(input, to: Self.comparedLayers + ["softmax2_pre_activation_matmul", "softmax2"])
        var report = ["layer                  max |error|   max |reference|   relative"]
        for (name, actual) in zip(["input"] + Self.comparedLayers + ["logits", "probs"], [input] + outputs) {
            let expected = try NPY.read("\(out)/\(name).npy")
            XCTAssertEqual(actual.shape, expected.shape, name)
            let (error, scale) = maxErrorAndScale(actual.values, expected.values)
            report.append(name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: " %11.3e   %15.4f   %8.2e", error, scale, error / max(scale, 1e-12)))
            switch name {
            case "probs": XCTAssertLessThanOrEqual(error, 1e-4, "probabilities")
            default: XCTAssertLessThanOrEqual(error, 2e-4 * max(scale, 1), "layer \(name)")
            }
        }
        print(report.joined(separator: "\n"))
    }

    func testLayers() throws {
        let layers = try loadNetwork().network.layers()
        func layer(_ name: String) throws -> LayerInfo { try XCTUnwrap(layers.first { $0.name == name }, name) }
        XCTAssertEqual(try layer("conv2d0"), LayerInfo(name: "conv2d0", channels: 64, height: 112, width: 112, stride: 2))
        XCTAssertEqual(try layer("maxpool0"), LayerInfo(name: "maxpool0", channels: 64, height: 56, width: 56, stride: 4))
        XCTAssertEqual(try layer("localresponsenorm1").channels, 192)
        XCTAssertEqual(try layer("mixed3a"), LayerInfo(name: "mixed3a", channels: 256, height: 28, width: 28, stride: 8))
        XCTAssertEqual(try layer("mixed4a"), LayerInfo(name: "mixed4a", channels: 508, height: 14, width: 14, stride: 16))
        XCTAssertEqual(try layer("mixed4a_3x3").channels, 204)
        XCTAssertEqual(try layer("mixed4a_5x5_bottleneck").channels, 16)
        XCTAssertEqual(try layer("mixed4d").channels, 528)
        XCTAssertEqual(try layer("mixed4e").channels, 832)
        XCTAssertEqual(try layer("mixed5b"), LayerInfo(name: "mixed5b", channels: 1024, height: 7, width: 7, stride: 32))
        XCTAssertEqual(try layer("softmax2_pre_activation_matmul").channels, 1008)
        XCTAssertEqual(layers.last?.name, "softmax2")
        XCTAssertEqual(Set(layers.map(\.name)).count, layers.count)
        XCTAssertEqual(try ModelName.inceptionV1.labels().count, 1008)
        XCTAssertEqual(try ModelName.inceptionV1.labels()[5], "class 5")
    }

    /// The input gradient of the whole network (images in [0, 1], normalisation included), for a
    /// random seed on the logits of a 32 px image, against central differences along three
    /// directions (as MobileNetV2GradientTests: the gradient itself, its signs with random sizes,
    /// half of it plus noise). ReLUs and max pools make the function piecewise linear, so a
    /// small step crosses few kinks; 1% is far below the error of a dropped branch or a wrong
    /// LRN or pooling backward.
    func testInputGradientMatchesFiniteDifferences() throws {
        let network = try loadNetwork().network
        var random = SeededGenerator(seed: 11)
        let image = try Tensor(shape: [1, 3, 32, 32], values: (0..<3 * 32 * 32).map { _ in Float.random(in: 0...1, using: &random) })
        let logits = "softmax2_pre_activation_matmul"
        let seed = try Tensor(shape: [1, 1008], values: (0..<1008).map { _ in Float.random(in: -1...1, using: &random) })
        func loss(_ images: Tensor) throws -> Double {
            zip(try network.activationWithPullback(images: images, layer: logits).0.values, seed.values)
                .reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let gradient = try network.activationWithPullback(images: image, layer: logits).1(seed)
        try assertGradientMatchesCentralDifferences(gradient, at: image, using: &random, label: "InceptionV1 logits", loss: loss)
    }

    /// Without the checkpoint, the error says where to get it and where to put it.
    func testMissingCheckpointSaysWhereToPutIt() throws {
        let file = WeightsFile(fileName: "no-such-checkpoint.pth", sha256: nil, source: "https://example.org/no-such-checkpoint.pth")
        XCTAssertThrowsError(try file.defaultPath()) { error in
            XCTAssertTrue("\(error)".contains("download it from https://example.org/no-such-checkpoint.pth"), "\(error)")
            XCTAssertTrue("\(error)".contains(".deps/models/no-such-checkpoint.pth"), "\(error)")
        }
        XCTAssertEqual(ModelName.inceptionV1.weightsFile.fileName, "inception5h.pth")
        XCTAssertNil(ModelName.inceptionV1.weightsFile.sha256)
    }
}
