import Foundation
import Models
import ONNX
import Optvis
import Tensor
import TestSupport
import XCTest

/// MobileNetV2 and EfficientNet-Lite0 written as ONNX graphs (by Tests/Reference/onnx_models.py,
/// with onnx's helpers, from the same checkpoints; batch norm as separate nodes, ReLU6 as Clip,
/// as torch.onnx.export writes them) equal the native builders at every layer, forward and
/// backward, to the last bit: the importer folds batch norm as the native builders do.
final class ONNXRealModelTests: XCTestCase {
    private func exported(_ model: String, checkpoint: String) throws -> Network {
        let folder = try TestFiles.temporaryFolder("onnx-\(model)", removedAfter: self)
        let path = folder + "/\(model).onnx"
        try Python.runReference("onnx_models.py", [model, try TestFiles.weights(checkpoint), path])
        return try ONNXModel.load(path: path, name: model, normalization: .imageNet)
    }

    private func assertLayersEqual(_ onnx: Network, _ native: Network, seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let image = try randomTensor([1, 3, 224, 224], using: &random)
        let names = try native.layers().map(\.name)
        let onnxNames = Set(try onnx.layers().map(\.name))
        XCTAssertEqual(names.filter { !onnxNames.contains($0) }, [], "every native layer is a layer of the ONNX graph")
        let (expected, actual) = (try native.forward(image, to: names), try onnx.forward(image, to: names))
        for (name, (a, b)) in zip(names, zip(actual, expected)) {
            XCTAssertEqual(a.shape, b.shape, name)
            let error = zip(a.values, b.values).map { abs($0 - $1) }.max()! / max(1, b.values.map(abs).max()!)
            XCTAssertEqual(error, 0, "\(onnx.name) layer \(name): the same weights, folded the same way, the same result")
        }
        // Input gradients of a middle layer agree too.
        let layer = names[names.count / 2]
        let (value, nativePullback) = try native.forwardWithPullback(image, to: layer)
        let seedTensor = try randomTensor(value.shape, using: &random)
        let nativeGradient = try nativePullback(seedTensor).values
        let onnxGradient = try onnx.forwardWithPullback(image, to: layer).1(seedTensor).values
        let error = zip(onnxGradient, nativeGradient).map { abs($0 - $1) }.max()! / nativeGradient.map(abs).max()!
        XCTAssertEqual(error, 0, "\(onnx.name): input gradient of \(layer)")
    }

    func testMobileNetV2FromONNXEqualsTheNativeBuilderAtEveryLayer() throws {
        try assertLayersEqual(exported("mobilenet_v2", checkpoint: "mobilenet_v2-b0353104.pth"), RealNetworks.mobileNetV2(), seed: 2)
    }

    func testEfficientNetLite0FromONNXEqualsTheNativeBuilderAtEveryLayer() throws {
        try assertLayersEqual(exported("efficientnet_lite0", checkpoint: "efficientnet-lite0-57934424.pth"),
                              RealNetworks.efficientNetLite0(), seed: 3)
    }
}
