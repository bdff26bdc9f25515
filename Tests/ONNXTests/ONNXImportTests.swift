import ArrayFiles
import Foundation
import Models
import Optvis
import ONNX
import Tensor
import TestSupport
import XCTest

/// Small random-weight ONNX models that Tests/Reference/onnx_models.py builds with onnx's own
/// helpers (residual, inception-style, mobile with squeeze-excite and SAME padding, swish,
/// opset 11 to 18 forms), run here and in onnxruntime: every checked tensor equal, and input
/// gradients equal to finite differences. And the bad files: each a clear error.
final class ONNXImportTests: XCTestCase {
    /// The models and references, made once per test process.
    static let fixtures: Result<String, TestFailure> = {
        do {
            let folder = NSTemporaryDirectory() + "atlas-onnx-fixtures-\(ProcessInfo.processInfo.processIdentifier)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Python.runReference("onnx_models.py", ["zoo", folder])
            try Python.runReference("onnx_models.py", ["bad", folder])
            return .success(folder)
        } catch {
            return .failure(TestFailure("building the ONNX fixtures failed: \(error)"))
        }
    }()

    struct ZooModel: Decodable {
        struct Checked: Decodable {
            let tensor: String
            let file: String
            let shape: [Int]
        }
        let name: String
        let file: String
        let input: String
        let size: Int
        let opset: Int
        let checked: [Checked]
        let ops: [String]
    }

    private func folder() throws -> String { try Self.fixtures.get() }

    private func zoo() throws -> [ZooModel] {
        try JSONDecoder().decode([ZooModel].self, from: Data(contentsOf: URL(fileURLWithPath: folder() + "/zoo.json")))
    }

    private func load(_ file: String) throws -> Network {
        try ONNXModel.load(path: folder() + "/" + file, name: "test", normalization: .imageNet)
    }

    private func input(_ file: String) throws -> Tensor {
        let array = try NPY.read(folder() + "/" + file)
        return try Tensor(shape: array.shape, values: array.values)
    }

    /// max |a - b| / max(1, max |b|).
    private func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max()! / max(1, b.map(abs).max()!)
    }

    func testZooModelsMatchOnnxruntimeAtEveryCheckedTensor() throws {
        let models = try zoo()
        XCTAssertEqual(Set(models.map(\.name)), ["residual", "inception", "mobile", "squeeze_excite_sigmoid", "opset18_reduce"])
        let operators = Set(models.flatMap(\.ops))
        for op in ["Conv", "BatchNormalization", "Relu", "Clip", "Add", "Mul", "Sigmoid", "HardSigmoid", "HardSwish", "Gemm",
                   "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "ReduceMean", "Concat", "LRN", "Pad", "Flatten",
                   "Reshape", "Softmax", "Dropout", "Identity", "Shape", "Gather", "Unsqueeze"] {
            XCTAssert(operators.contains(op), "the zoo covers \(op)")
        }
        for model in models {
            let network = try load(model.file)
            let batch = try input(model.input)
            XCTAssertEqual(batch.shape, [2, 3, model.size, model.size])
            let outputs = try network.forward(batch, to: model.checked.map(\.tensor))
            for (checked, output) in zip(model.checked, outputs) {
                let reference = try NPY.read(folder() + "/" + checked.file)
                let expected = checked.shape.count == 4 || output.shape.count == reference.shape.count ? reference.shape
                    : [reference.shape[0], reference.shape.dropFirst().reduce(1, *)]
                XCTAssertEqual(output.shape, expected, "\(model.name): \(checked.tensor)")
                let error = relativeError(output.values, reference.values)
                XCTAssertLessThan(error, 1e-5, "\(model.name) (opset \(model.opset)): \(checked.tensor)")
            }
            XCTAssertEqual(network.logitsName, "logits", model.name)
        }
    }

    func testZooModelsInputGradientsMatchFiniteDifferences() throws {
        var random = SeededGenerator(seed: 14)
        for model in try zoo() {
            let network = try load(model.file)
            let full = try input(model.input)
            let image = try Tensor(shape: [1] + full.shape.dropFirst(), values: Array(full.values.prefix(full.count / 2)))
            let (logits, pullback) = try network.forwardWithPullback(image, to: network.logitsName)
            let cotangent = try randomTensor(logits.shape, using: &random)
            let gradient = try pullback(cotangent)
            XCTAssertEqual(gradient.shape, image.shape)
            try assertGradientMatchesCentralDifferences(gradient, at: image, using: &random, label: model.name, tolerance: 0.02,
                                                        step: 1e-3) { moved in
                dot(cotangent.values, try network.forward(moved, to: [network.logitsName])[0].values)
            }
        }
    }

    func testExternalDataIsRead() throws {
        let network = try load("external_data.onnx")
        let logits = try network.forward(input("external_data.input.npy"), to: ["logits"])[0]
        XCTAssertLessThan(relativeError(logits.values, try NPY.read(folder() + "/external_data.logits.npy").values), 1e-5)
    }

    func testBadFilesGiveClearErrors() throws {
        let cases: [(file: String, expected: [String])] = [
            ("truncated.onnx", ["truncated.onnx", "not an ONNX model"]),
            ("not_onnx.onnx", ["not_onnx.onnx", "not an ONNX model"]),
            ("unsupported_op.onnx", ["unsupported_op.onnx", "node 'Einsum_3'", "Einsum", "opset", "not supported"]),
            ("dynamic_size.onnx", ["dynamic_size.onnx", "dynamic height", "fixed"]),
            ("nan_weights.onnx", ["nan_weights.onnx", "initializer 'conv.weight'", "nan", "finite"]),
            ("missing.onnx", ["missing.onnx", "no such ONNX model"]),
        ]
        for (file, expected) in cases {
            XCTAssertThrowsError(try load(file), file) { error in
                let message = "\(error)"
                for part in expected { XCTAssert(message.contains(part), "\(file): '\(message)' should say '\(part)'") }
            }
        }
    }

    /// The fuzzer's first finding (Fuzz/corpus/onnx-model/hostile-node-without-output.seed): a Relu
    /// with no output, read by the convolution's look-ahead for an activation to fuse, was an
    /// index out of range.
    func testANodeWithoutOutputIsAnError() throws {
        let path = TestFiles.path("Fuzz/corpus/onnx-model/hostile-node-without-output.seed")
        XCTAssertThrowsError(try ONNXModel.load(path: path, name: "test", normalization: .imageNet)) { error in
            XCTAssert("\(error)".contains("(Relu, opset 18): has no output"), "\(error)")
        }
    }

    /// Shape arithmetic is folded at load, within bounds: a broadcast to 2^26 elements and a
    /// division by zero are errors naming their node, not an allocation without bound or an
    /// infinite weight.
    func testFoldedConstantsAreBoundedAndFinite() throws {
        let folder = try TestFiles.temporaryFolder("onnx-folding", removedAfter: self)
        try Python.run("""
            import sys, numpy as np, onnx
            from onnx import helper, TensorProto, numpy_helper
            def model(extra, path):
                nodes = extra + [helper.make_node("GlobalAveragePool", ["input"], ["pool"]),
                                 helper.make_node("Flatten", ["pool"], ["flat"]),
                                 helper.make_node("Gemm", ["flat", "w"], ["logits"], transB=1)]
                graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 8, 8])],
                                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 4])],
                                          [numpy_helper.from_array(np.ones((4, 3), np.float32), "w"),
                                           numpy_helper.from_array(np.ones((8192, 1), np.float32), "column"),
                                           numpy_helper.from_array(np.ones((1, 8192), np.float32), "row"),
                                           numpy_helper.from_array(np.zeros((1,), np.float32), "zero")])
                onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
            model([helper.make_node("Add", ["column", "row"], ["huge"], name="broadcast")], sys.argv[1] + "/huge.onnx")
            model([helper.make_node("Div", ["w", "zero"], ["infinite"], name="divide")], sys.argv[1] + "/infinite.onnx")
            """, [folder])
        for (file, expected) in [("huge.onnx", "node 'broadcast' (Add, opset 13): a folded constant of shape [8192, 8192]"),
                                 ("infinite.onnx", "node 'divide' (Div, opset 13): makes the constant inf")] {
            XCTAssertThrowsError(try ONNXModel.load(path: folder + "/" + file, name: "test", normalization: .imageNet)) { error in
                XCTAssert("\(error)".contains(expected), "\(error)")
            }
        }
    }

    func testModelCardsAreChecked() throws {
        let folder = try folder()
        let good = """
            onnx = "residual.onnx"
            input_size = 32
            mean = [127.0, 127, 127.5]
            std = [128.0, 128.0, 128.0]
            labels = "imagenet"
            """
        let card = try ModelCard(parsing: good, path: folder + "/mine.toml")
        XCTAssertEqual(card.name, "mine")
        XCTAssertEqual(card.onnxPath, folder + "/residual.onnx")
        XCTAssertEqual(card.normalization.mean[2], 127.5 / 255)
        XCTAssertEqual(try ONNXModel.load(card: card).name, "mine")
        let bad: [(String, String)] = [
            (good.replacingOccurrences(of: "input_size = 32\n", with: ""), "missing `input_size"),
            (good.replacingOccurrences(of: "[127.0, 127, 127.5]", with: "[127.0, 127.0]"), "`mean` has 2 values, expected 3"),
            (good.replacingOccurrences(of: "[128.0, 128.0, 128.0]", with: "[128.0, 0, 128.0]"), "`std` must be positive"),
            (good + "\nsize = 3", "unknown key 'size'"),
            (good.replacingOccurrences(of: "input_size = 32", with: "input_size = 224"), "input_size is 224, but"),
            (good.replacingOccurrences(of: "mean = [", with: "mean = [[") , "not valid TOML"),
            (good + "\nname = \"mobilenet_v2\"", "built-in model's name"),
        ]
        for (text, expected) in bad {
            XCTAssertThrowsError(try ONNXModel.load(card: ModelCard(parsing: text, path: folder + "/mine.toml")), expected) { error in
                XCTAssert("\(error)".contains(expected), "'\(error)' should say '\(expected)'")
                XCTAssert("\(error)".contains("mine.toml"), "'\(error)' should name the card")
            }
        }
        let labels = folder + "/labels.toml"
        try (good.replacingOccurrences(of: "\"imagenet\"", with: "\"classes.txt\"")).write(toFile: labels, atomically: true, encoding: .utf8)
        try (0..<10).map { "class \($0)" }.joined(separator: "\n").write(toFile: folder + "/classes.txt", atomically: true, encoding: .utf8)
        let summary = try ONNXModel.summary(card: ModelCard(contentsOf: labels))
        for part in ["opset 11", "input 'input': [N, 3, 32, 32]", "parameters:", "classes: 10", "block1", "logits"] {
            XCTAssert(summary.contains(part), "summary should say '\(part)':\n\(summary)")
        }
    }
}
