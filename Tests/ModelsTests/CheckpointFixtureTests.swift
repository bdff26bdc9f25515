import Foundation
import Models
import TestSupport
import XCTest

/// Small checkpoints written at test time by Tests/Reference/make_checkpoint_fixtures.py (no
/// torch needed): every layout and dtype the reader handles, and files it must refuse.
final class CheckpointFixtureTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try TestFiles.temporaryFolder("models")
        try Python.runReference("make_checkpoint_fixtures.py", [folder])
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private struct Expectation: Decodable {
        struct Tensor: Decodable {
            let shape: [Int]
            let dtype: String
            let values: [Double]
        }
        let names: [String]
        let tensors: [String: Tensor]
    }

    /// Legacy (with a storage view), zip, big-endian zip, protocol-4 zip wrapped in a training
    /// dict, nested dicts and safetensors, each compared with the arrays the generator laid out.
    func testWrittenCheckpointsReadAsGenerated() throws {
        let files = ["legacy.pth", "zip.pth", "zip_big_endian.pth", "zip_protocol4_wrapped.pth",
                     "nested.pth", "model.safetensors"]
        for file in files {
            let path = folder + "/" + file
            let expected = try JSONDecoder().decode(
                Expectation.self, from: Data(contentsOf: URL(fileURLWithPath: path + ".expected.json")))
            let weights = try TorchCheckpoint.load(path)
            XCTAssertEqual(weights.names, expected.names, file)
            for name in expected.names {
                let want = try XCTUnwrap(expected.tensors[name])
                let tensor = try weights.tensor(name, shape: want.shape)
                XCTAssertEqual(tensor.dtype, want.dtype, "\(file): \(name)")
                XCTAssertEqual(tensor.values, want.values.map(Float.init), "\(file): \(name)")
            }
        }
    }

    func testCoversEveryLayoutAndDtype() throws {
        let weights = try TorchCheckpoint.load(folder + "/legacy.pth")
        XCTAssertEqual(Set(weights.tensors.values.map(\.dtype)),
                       ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"])
        XCTAssertEqual(try weights.tensor("bn.num_batches_tracked").shape, [])
        XCTAssertEqual(try weights.tensor("bn.num_batches_tracked").values, [12345])
        XCTAssertEqual(try weights.tensor("emb.weight").values, [7, -8, 9, 7, -8, 9])
        XCTAssertEqual(try weights.tensor("ids").values, [-4, -2, 0, 2, 4])
        XCTAssertEqual(try weights.tensor("view.t").values, [1, 1.5, 2, 2.5])
        XCTAssertEqual(try weights.tensor("empty").values, [])
    }

    /// Broken and malicious files: refused with a message naming the file and what is wrong.
    func testBrokenAndMaliciousFilesAreRefused() throws {
        let cases: [(file: String, mentions: [String])] = [
            ("bad_magic.pth", ["bad magic number"]),
            ("truncated_data.pth", ["storage 'viewed'", "truncated"]),
            ("truncated_pickle.pth", ["state-dict pickle", "truncated"]),
            ("bad_count.pth", ["storage 'fc_w'", "element count record says 13", "12 float16 elements"]),
            ("missing_key.pth", ["tensor 'fc.bias'", "'fc_b' is missing"]),
            ("short_storage.pth", ["tensor 'short'", "past the end of storage 'short'", "5 float32 elements"]),
            ("malicious_os_system.pth", ["refused global 'os.system'"]),
            ("malicious_main_net.pth", ["refused global '__main__.Net'"]),
            ("deeply_nested.pth", ["nest deeper than 100 levels"]),
            ("malicious_eval.pth", ["refused global 'builtins.eval'"]),
            ("compressed.pth", ["'fixture/data.pkl' is compressed"]),
            ("zip_missing_storage.pth", ["tensor 'conv.weight'", "no entry 'fixture/data/conv_w'"]),
            ("zip_short_storage.pth", ["tensor 'fc.weight'", "storage 'fc_w' holds 22 bytes", "12 float16 elements"]),
            ("zip_truncated.pth", ["end-of-central-directory", "truncated"]),
            ("not_a_checkpoint.pth", ["not a PyTorch checkpoint"]),
            ("no_such_file.pth", ["no such checkpoint"]),
        ]
        for (file, mentions) in cases {
            let path = folder + "/" + file
            XCTAssertThrowsError(try TorchCheckpoint.load(path), file) { error in
                XCTAssertTrue(error is CheckpointError, "\(file): \(type(of: error))")
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix(path + ": "), message)
                for mention in mentions {
                    XCTAssertTrue(message.contains(mention), "\(file): expected '\(mention)' in: \(message)")
                }
            }
        }
    }
}
