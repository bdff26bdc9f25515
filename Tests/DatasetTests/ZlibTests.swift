@testable import Dataset
import TestSupport
import XCTest

final class ZlibTests: XCTestCase {
    private let text = Array((0..<400).map { "line \($0 % 37): the quick brown fox \($0 * $0 % 101)\n" }.joined().utf8)

    /// Streams compressed by Python's zlib decode to the original bytes.
    func testDecodesPythonZlibStreams() throws {
        let script = """
            import sys, zlib
            data = open(sys.argv[1], 'rb').read()
            for level in (0, 6, 9):
                print(zlib.compress(data, level).hex())
            """
        let input = try TestFiles.temporaryFolder("dataset", removedAfter: self) + "/text"
        try Data(text).write(to: URL(fileURLWithPath: input))
        let streams = String(decoding: try Python.run(script, [input]), as: UTF8.self).split(separator: "\n").map { bytes(hex: String($0)) }
        XCTAssertEqual(streams.count, 3)
        for stream in streams { XCTAssertEqual(try Zlib.decompress(stream, expectedLength: text.count), text) }
    }

    /// A damaged stream, a truncated one and a length that disagrees are errors with a reason.
    func testRejectsCorruptStreams() throws {
        let plain = Array("hello hello hello".utf8)
        let stream = bytes(hex: String(decoding: try Python.run("import zlib; print(zlib.compress(b'hello hello hello', 6).hex())"), as: UTF8.self))
        var badChecksum = stream
        badChecksum[badChecksum.count - 1] ^= 1
        XCTAssertThrowsError(try Zlib.decompress(badChecksum, expectedLength: plain.count)) { XCTAssertTrue("\($0)".contains("corrupt"), "\($0)") }
        XCTAssertThrowsError(try Zlib.decompress(Array(stream.dropLast(6)), expectedLength: plain.count)) {
            XCTAssertTrue("\($0)".contains("truncated") || "\($0)".contains("corrupt"), "\($0)")
        }
        XCTAssertThrowsError(try Zlib.decompress([0x12, 0x34, 0, 0, 0, 0], expectedLength: 4)) { XCTAssertTrue("\($0)".contains("corrupt"), "\($0)") }
        XCTAssertThrowsError(try Zlib.decompress(stream, expectedLength: plain.count + 5)) { XCTAssertTrue("\($0)".contains("expected"), "\($0)") }
    }
}
