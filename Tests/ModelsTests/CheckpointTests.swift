import ArrayFiles
import Foundation
import Models
import TestSupport
import XCTest

/// The real torchvision / EfficientNet-Lite0 checkpoints, read natively and compared with the
/// independent pure-python reader (Tests/Reference/torch_pickle.py).
final class CheckpointTests: XCTestCase {
    func testMobileNetV2MatchesPythonReader() throws {
        let path = try TestFiles.weights("mobilenet_v2-b0353104.pth")
        let weights = try TorchCheckpoint.load(path)
        XCTAssertEqual(weights.names.count, 314)
        XCTAssertEqual(weights.names.first, "features.0.0.weight")
        XCTAssertEqual(try weights.tensor("features.0.0.weight").shape, [32, 3, 3, 3])
        XCTAssertEqual(try weights.tensor("features.1.conv.0.0.weight").shape, [32, 1, 3, 3])
        XCTAssertEqual(try weights.tensor("features.18.1.running_var").shape, [1280])
        XCTAssertEqual(try weights.tensor("classifier.1.weight", shape: [1000, 1280]).dtype, "float32")
        XCTAssertEqual(try weights.tensor("features.1.conv.0.1.num_batches_tracked").dtype, "int64")
        try CheckpointTestFiles.assertMatchesPythonReader(weights)
    }

    func testEfficientNetPermutedStridesMatchPythonReader() throws {
        let path = try TestFiles.weights("efficientnet-lite0-57934424.pth")
        let weights = try TorchCheckpoint.load(path)
        let index = try CheckpointTestFiles.assertMatchesPythonReader(weights)
        // The comparison covers permuted layouts: the stem is stored HWIO behind strides.
        let stem = try XCTUnwrap(index.first { $0.name == "_conv_stem.weight" })
        XCTAssertEqual(stem.shape, [32, 3, 3, 3])
        XCTAssertEqual(stem.stride, [1, 32, 288, 96])
        XCTAssertGreaterThanOrEqual(index.filter { $0.stride != CheckpointTestFiles.contiguousStride($0.shape) }.count, 50)
    }

    func testTruncatedRealFileIsRefusedNamingFile() throws {
        let source = try TestFiles.weights("mobilenet_v2-b0353104.pth")
        let data = try XCTUnwrap(FileManager.default.contents(atPath: source))
        let folder = try TestFiles.temporaryFolder("models")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (name, length) in [("cut-in-data.pth", 7_000_000), ("cut-in-pickle.pth", 20_000)] {
            let path = folder + "/" + name
            try data.prefix(length).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try TorchCheckpoint.load(path)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix(path), message)
                XCTAssertTrue(message.contains("truncated"), message)
            }
        }
    }

    func testLookupErrorsSuggestNamesAndShowShapes() throws {
        let weights = try TorchCheckpoint.load(try TestFiles.weights("mobilenet_v2-b0353104.pth"))
        XCTAssertThrowsError(try weights.tensor("features.0.0.weigth")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(weights.path), message)
            XCTAssertTrue(message.contains("'features.0.0.weigth'"), message)
            XCTAssertTrue(message.contains("did you mean 'features.0.0.weight'"), message)
        }
        XCTAssertThrowsError(try weights.tensor("features.0.0.weight", shape: [32, 3, 3])) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("has shape (32, 3, 3, 3), expected (32, 3, 3)"), message)
        }
    }
}

/// Weights are checked finite where they are read, naming the tensor.
final class FiniteWeightsTests: XCTestCase {
    func testANonFiniteWeightIsRefusedNamingItsTensor() throws {
        let weights = StateDict(path: "model.pth", entries: [
            ("conv.weight", StoredTensor(shape: [2, 2], values: [1, 2, 3, 4])),
            ("conv.bias", StoredTensor(shape: [2], values: [0, .nan])),
        ])
        XCTAssertNoThrow(try weights.tensor("conv.weight", shape: [2, 2]))
        XCTAssertThrowsError(try weights.tensor("conv.bias", shape: [2])) { error in
            XCTAssertEqual("\(error)", "model.pth: tensor 'conv.bias' holds nan at index 1: weights must be finite")
        }
    }
}

/// Comparisons with the python reader, shared by the checkpoint tests.
enum CheckpointTestFiles {
    struct IndexEntry: Decodable {
        let name: String
        let shape: [Int]
        let dtype: String
        let stride: [Int]
    }

    /// Checks names (in order), shapes, dtypes and every value against torch_pickle.py's dump,
    /// and returns its index (which also gives each tensor's stored strides).
    @discardableResult
    static func assertMatchesPythonReader(_ weights: StateDict, file: StaticString = #filePath,
                                          line: UInt = #line) throws -> [IndexEntry] {
        let folder = try TestFiles.temporaryFolder("checkpoint")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Python.runReference("torch_pickle.py", ["dump", weights.path, folder])
        let index = try JSONDecoder().decode([IndexEntry].self,
                                             from: Data(contentsOf: URL(fileURLWithPath: folder + "/index.json")))
        XCTAssertEqual(weights.names, index.map(\.name), file: file, line: line)
        let expected = try NPY.read(folder + "/values.npy").values
        var offset = 0
        for entry in index {
            let tensor = try weights.tensor(entry.name, shape: entry.shape)
            XCTAssertEqual(tensor.dtype, entry.dtype, entry.name, file: file, line: line)
            let count = tensor.values.count
            guard offset + count <= expected.count else {
                throw TestFailure("python dump holds \(expected.count) values, fewer than the tensors need")
            }
            if tensor.values != Array(expected[offset..<offset + count]) {
                XCTFail("\(entry.name): values differ from torch_pickle.py's", file: file, line: line)
            }
            offset += count
        }
        XCTAssertEqual(offset, expected.count, file: file, line: line)
        return index
    }

    static func contiguousStride(_ shape: [Int]) -> [Int] {
        var stride = [Int](repeating: 1, count: shape.count)
        for axis in stride.indices.dropLast().reversed() { stride[axis] = stride[axis + 1] * shape[axis + 1] }
        return stride
    }
}
