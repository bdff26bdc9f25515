import ArrayFiles
import Foundation
import Imaging
import Models
import Optvis
import Tensor
import XCTest
import TestSupport

/// The Swift EfficientNet-Lite0 (oneDNN, batch norm folded, fixed "SAME" padding) against the
/// independent float64 numpy reference, Tests/Reference/efficientnet_lite0.py, on real photos.
final class EfficientNetLite0Tests: XCTestCase {
    private static let photos = ["chelsea", "coffee"].map {
        TestFiles.photo("\($0).png")
    }

    /// Every block output and every ReLU6 layer inside a block, the stem and the head.
    private static let comparedLayers: [String] = ["_conv_stem"]
        + (0...15).flatMap { (block: Int) -> [String] in
            (block == 0 ? [] : ["_blocks.\(block)._expand_conv"]) + ["_blocks.\(block)._depthwise_conv", "_blocks.\(block)"]
        }
        + ["_conv_head"]

    /// (a) torchvision-style crops (224x224, made by the MobileNetV2 reference) fed as they are:
    /// every layer close to the reference, the probabilities within 1e-4. (b) The photos with our
    /// default preprocessing: chelsea a cat, coffee an espresso, as the reference says. (c) The
    /// layer listing: names from the state dict, strides up to 32.
    func testMatchesNumpyReference() throws {
        let network = try ModelName.efficientNetLite0.load(
            weightsAt: TestFiles.weights("efficientnet-lite0-57934424.pth"))
        let folder = try TestFiles.temporaryFolder("models")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let crops = Self.photos.map { "\(folder)/crops/" + URL(fileURLWithPath: $0).lastPathComponent }
        try Python.runReference("mobilenet_v2.py", ["--make-crops", "\(folder)/crops"] + Self.photos)
        try Python.runReference("efficientnet_lite0.py", ["--weights", network.weightsPath, "--out",
                                                                    "\(folder)/reference", "--resize", "none"] + crops)
        let input = try network.input(for: crops.map(decodeImage(at:)), names: crops, resizing: .none)
        let outputs = try network.forward(input, to: Self.comparedLayers + ["_fc", "probabilities"])
        let references = ["input"] + Self.comparedLayers + ["logits", "probs"]
        var report = ["layer                        max |error|   max |reference|   relative"]
        var referenceProbabilities: [Float] = []
        for (name, actual) in zip(references, [input] + outputs) {
            let expected = try NPY.read("\(folder)/reference/\(name).npy")
            XCTAssertEqual(actual.shape, expected.shape, name)
            let (error, scale) = maxErrorAndScale(actual.values, expected.values)
            report.append(name.padding(toLength: 28, withPad: " ", startingAt: 0)
                + String(format: " %11.3e   %15.4f   %8.2e", error, scale, error / max(scale, 1e-12)))
            switch name {
            case "probs":
                XCTAssertLessThanOrEqual(error, 1e-4, "probabilities")
                referenceProbabilities = expected.values
            case "input": XCTAssertLessThanOrEqual(error, 1e-6, "normalised input")
            default: XCTAssertLessThanOrEqual(error, 2e-4 * max(scale, 1), "layer \(name)")
            }
        }
        print(report.joined(separator: "\n"))

        let classifier = try ImageClassifier(network: network, labels: ModelName.efficientNetLite0.labels())
        var results: [ImageClassification] = []
        try classifier.classify(Self.photos, top: 3, skipped: { path, error in XCTFail("\(path): \(error)") }) { results.append($0) }
        let cats = 281...285, espresso = 967
        for (item, result) in results.enumerated() {
            let row = referenceProbabilities[item * 1000..<(item + 1) * 1000]
            let best = row.indices.max { row[$0] < row[$1] }! - item * 1000
            print("\(URL(fileURLWithPath: result.image).lastPathComponent): ours "
                + result.top.map { "\($0.index) \($0.label) \(String(format: "%.4f", $0.probability))" }.joined(separator: ", ")
                + "; reference on its crop \(best) \(row[item * 1000 + best])")
        }
        XCTAssertEqual(results.count, 2)
        XCTAssertTrue(results.first.map { cats.contains($0.top[0].index) } ?? false, "chelsea is a cat: \(results.first?.top ?? [])")
        XCTAssertEqual(results.last?.top.first?.index, espresso, "coffee")

        let layers = try network.layers()
        func layer(_ name: String) throws -> LayerInfo { try XCTUnwrap(layers.first { $0.name == name }, name) }
        XCTAssertEqual(try layer("_conv_stem"), LayerInfo(name: "_conv_stem", channels: 32, height: 112, width: 112, stride: 2))
        XCTAssertEqual(try layer("_blocks.3._depthwise_conv").stride, 8)
        XCTAssertEqual(try layer("_blocks.10"), LayerInfo(name: "_blocks.10", channels: 112, height: 14, width: 14, stride: 16))
        XCTAssertEqual(try layer("_conv_head"), LayerInfo(name: "_conv_head", channels: 1280, height: 7, width: 7, stride: 32))
        XCTAssertEqual(try layer("_fc").channels, 1000)
        XCTAssertTrue(Self.comparedLayers.allSatisfy { name in layers.contains { $0.name == name } })
        XCTAssertEqual(Set(layers.map(\.name)).count, layers.count)
        XCTAssertThrowsError(try network.layer(named: "_blocks.16")) { error in
            XCTAssertTrue("\(error)".contains("no layer '_blocks.16'") && "\(error)".contains("_blocks.15"), "\(error)")
        }
    }

    /// The input gradient of the whole network (images in [0, 1], normalisation included), for a
    /// random seed on the logits of a 96 px photo, against central differences along three
    /// directions (as MobileNetV2's and InceptionV1's checks): ReLU6 makes the function piecewise
    /// linear, so a small step crosses few kinks; 1% is far below the error of a wrong "SAME"
    /// padding or a dropped residual in the backward pass. EfficientNet-Lite0 paints
    /// (`atlas paint --model efficientnet_lite0`), so its backward pass needs its own check.
    func testInputGradientMatchesFiniteDifferences() throws {
        let network = try ModelName.efficientNetLite0.load(
            weightsAt: TestFiles.weights("efficientnet-lite0-57934424.pth"))
        var random = SeededGenerator(seed: 12)
        // A photo, and a step of 2.5e-5: along the gradient's signs (every pixel moved) a step of
        // 1e-4 crosses enough ReLU6 kinks to be 1.9% off; at 2.5e-5 it is 0.04% off (on uniform
        // noise, 0.6-1.9% at 1e-4 in all three directions).
        let photo = try decodeImage(at: Self.photos[0]).resized(shortSide: 96).centerCropped(width: 96, height: 96)
        let image = try Tensor(shape: [1, 3, 96, 96], values: (0..<3 * 96 * 96).map {
            Float(photo.pixels[$0 % (96 * 96) * 3 + $0 / (96 * 96)]) / 255
        })
        let seed = try Tensor(shape: [1, 1000], values: (0..<1000).map { _ in Float.random(in: -1...1, using: &random) })
        func loss(_ images: Tensor) throws -> Double {
            zip(try network.activationWithPullback(images: images, layer: network.logitsName).0.values, seed.values)
                .reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let gradient = try network.activationWithPullback(images: image, layer: network.logitsName).1(seed)
        try assertGradientMatchesCentralDifferences(gradient, at: image, using: &random, label: "EfficientNet-Lite0 logits",
                                                    step: 2.5e-5, loss: loss)
    }
}
