import ArrayFiles
import Foundation
import Imaging
import Models
import Tensor
import TestSupport
import XCTest

/// The Swift MobileNetV2 (oneDNN, batch norm folded) against the independent float64 numpy
/// reference, Tests/Reference/mobilenet_v2.py, on real photos.
final class MobileNetV2Tests: XCTestCase {
    private static let photos = ["chelsea", "coffee", "motorcycle_left", "astronaut"].map {
        TestFiles.photo("\($0).png")
    }

    /// Loading (sha256, checkpoint, folding) takes seconds in a debug build: once for the class.
    /// XCTest runs a class's tests one after another on one thread, hence `nonisolated(unsafe)`.
    nonisolated(unsafe) private static var loaded: Network?

    private func loadNetwork() throws -> Network {
        if let network = Self.loaded { return network }
        let network = try ModelName.mobileNetV2.load(weightsAt: TestFiles.weights("mobilenet_v2-b0353104.pth"))
        Self.loaded = network
        return network
    }

    /// The layers a user can ask for: every block output and every first ReLU6 layer inside a block.
    private static let comparedLayers = ["features.0"] + (1...17).flatMap { ["features.\($0).conv.0", "features.\($0)"] }
        + ["features.18"]

    /// (a) The reference's torchvision crops (224x224) fed as they are: every layer close to the
    /// reference, and the probabilities within 1e-4. (b) The photos themselves with our default
    /// preprocessing: the same top class as the reference on its crops.
    func testMatchesNumpyReference() throws {
        let network = try loadNetwork()
        let folder = try TestFiles.temporaryFolder("models")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let crops = Self.photos.map { "\(folder)/crops/" + URL(fileURLWithPath: $0).lastPathComponent }
        try Python.runReference("mobilenet_v2.py", ["--make-crops", "\(folder)/crops"] + Self.photos)
        try Python.runReference("mobilenet_v2.py", ["--weights", network.weightsPath, "--out", "\(folder)/reference",
                                                              "--resize", "none"] + crops)
        let input = try network.input(for: crops.map(decodeImage(at:)), names: crops, resizing: .none)
        let outputs = try network.forward(input, to: Self.comparedLayers + ["classifier.1", "probabilities"])
        let references = ["input"] + Self.comparedLayers + ["logits", "probs"]
        var report = ["layer                  max |error|   max |reference|   relative"]
        var probabilities: NPYArray?
        for (name, actual) in zip(references, [input] + outputs) {
            let expected = try NPY.read("\(folder)/reference/\(name).npy")
            XCTAssertEqual(actual.shape, expected.shape, name)
            let (error, scale) = maxErrorAndScale(actual.values, expected.values)
            report.append(name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: " %11.3e   %15.4f   %8.2e", error, scale, error / max(scale, 1e-12)))
            switch name {
            case "probs":
                XCTAssertLessThanOrEqual(error, 1e-4, "probabilities")
                probabilities = expected
            case "input": XCTAssertLessThanOrEqual(error, 1e-6, "normalised input")
            default: XCTAssertLessThanOrEqual(error, 2e-4 * max(scale, 1), "layer \(name)")
            }
        }
        print(report.joined(separator: "\n"))

        let expected = try XCTUnwrap(probabilities)
        let classifier = try ImageClassifier(network: network, labels: ImageNetLabels.load(), batchSize: 3)
        var results: [ImageClassification] = []
        try classifier.classify(Self.photos, top: 5, skipped: { path, error in XCTFail("\(path): \(error)") }) { results.append($0) }
        XCTAssertEqual(results.map(\.image), Self.photos)
        for (item, result) in results.enumerated() {
            let row = Array(expected.values[item * 1000..<(item + 1) * 1000])
            let best = row.indices.max { row[$0] < row[$1] }!
            XCTAssertEqual(result.top.first?.index, best, "\(result.image): top class")
            XCTAssertEqual(result.top.count, 5)
            XCTAssertEqual(result.top.first?.probability ?? 0, row[best], accuracy: 0.02, "\(result.image): top probability")
            print("\(URL(fileURLWithPath: result.image).lastPathComponent): ours \(result.top[0].index) "
                + "\(result.top[0].label) \(result.top[0].probability), reference \(best) \(row[best])")
        }
        XCTAssertEqual(results.first?.top.first?.label, "Egyptian cat")
    }

    func testLayerListing() throws {
        let layers = try loadNetwork().layers()
        func layer(_ name: String) throws -> LayerInfo { try XCTUnwrap(layers.first { $0.name == name }, name) }
        XCTAssertEqual(try layer("features.0"), LayerInfo(name: "features.0", channels: 32, height: 112, width: 112, stride: 2))
        XCTAssertEqual(try layer("features.1.conv.0").channels, 32)
        XCTAssertEqual(try layer("features.3").stride, 4)
        XCTAssertEqual(try layer("features.6").stride, 8)
        XCTAssertEqual(try layer("features.13.conv.0"), LayerInfo(name: "features.13.conv.0", channels: 576, height: 14, width: 14, stride: 16))
        XCTAssertEqual(try layer("features.14.conv.1"), LayerInfo(name: "features.14.conv.1", channels: 576, height: 7, width: 7, stride: 32))
        XCTAssertEqual(try layer("features.18"), LayerInfo(name: "features.18", channels: 1280, height: 7, width: 7, stride: 32))
        XCTAssertEqual(try layer("classifier.1").channels, 1000)
        // Blocks 1-17 each have an output and a first ReLU6 layer.
        XCTAssertTrue(Self.comparedLayers.allSatisfy { name in layers.contains { $0.name == name } })
        XCTAssertEqual(Set(layers.map(\.name)).count, layers.count)
    }

    func testClearErrors() throws {
        let network = try loadNetwork()
        XCTAssertThrowsError(try network.layer(named: "features.19")) { error in
            XCTAssertTrue("\(error)".contains("no layer 'features.19'") && "\(error)".contains("features.18"), "\(error)")
        }
        let photo = try decodeImage(at: Self.photos[0])
        XCTAssertThrowsError(try network.input(for: [photo], names: ["chelsea.png"], resizing: .none)) { error in
            XCTAssertTrue("\(error)".contains("chelsea.png: image is 451x300") && "\(error)".contains("224x224"), "\(error)")
        }
        let folder = try TestFiles.temporaryFolder("models")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let impostor = "\(folder)/mobilenet_v2-b0353104.pth"
        try Data("not the weights".utf8).write(to: URL(fileURLWithPath: impostor))
        XCTAssertThrowsError(try ModelName.mobileNetV2.load(weightsAt: impostor)) { error in
            XCTAssertTrue("\(error)".contains("sha256") && "\(error)".contains("b03531047ffa"), "\(error)")
        }
    }
}
