import Foundation
import Models
import TestSupport
import XCTest

/// Checkpoints made to break the reader, found by fuzzing it (scripts/fuzz, Fuzz/README.md):
/// each is refused with a `CheckpointError` naming the file, never a trap.
final class HostileCheckpointTests: XCTestCase {
    /// A safetensors file of the given JSON header and no data.
    private func safetensors(_ header: String) -> Data {
        var length = UInt64(header.utf8.count).littleEndian
        return Data(bytes: &length, count: 8) + Data(header.utf8)
    }

    /// An empty tensor (0 elements) whose other dimensions are so large that its C-order strides
    /// overflow: the element count is 0 and did not overflow, the stride computation trapped.
    /// Fuzz/corpus/safetensors/hostile-empty-huge-strides.seed.
    func testSafetensorsShapeWhoseStridesOverflowIsRefused() throws {
        let folder = try TestFiles.temporaryFolder("models")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/empty-huge-strides.safetensors"
        let huge = 1 << 62
        try safetensors(#"{"a": {"dtype": "F32", "shape": [0, \#(huge), \#(huge)], "data_offsets": [0, 0]}}"#)
            .write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try TorchCheckpoint.load(path)) { error in
            XCTAssertTrue(error is CheckpointError, "\(type(of: error))")
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(path + ": tensor 'a': bad shape (0, \(huge), \(huge))"), message)
        }
    }

    /// A pickle that appends a list to itself, or sets a dict as its own value, made a reference
    /// cycle that ARC never frees: memory leaked on every such file read (LeakSanitizer, in
    /// `scripts/fuzz pth-legacy`). Fuzz/corpus/pth-legacy/hostile-*-in-itself.pth.
    func testAContainerInsideItselfIsRefused() throws {
        let folder = try TestFiles.temporaryFolder("models")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cases: [(name: String, pickle: [UInt8], problem: String)] = [
            // PROTO 2, EMPTY_LIST, DUP, APPEND, STOP
            ("list-in-itself.pth", [0x80, 0x02, 0x5d, 0x32, 0x61, 0x2e], "a list contains itself"),
            // PROTO 2, EMPTY_DICT, BINPUT 0, BINUNICODE "k", BINGET 0, SETITEM, STOP
            ("dict-in-itself.pth", [0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, 0x01, 0x00, 0x00, 0x00, 0x6b, 0x68, 0x00, 0x73, 0x2e],
             "a dict contains itself"),
        ]
        for (name, pickle, problem) in cases {
            let path = folder + "/" + name
            try Data(pickle).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try TorchCheckpoint.load(path), name) { error in
                XCTAssertTrue(error is CheckpointError, "\(type(of: error))")
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix(path + ": ") && message.contains(problem), message)
            }
        }
    }
}
