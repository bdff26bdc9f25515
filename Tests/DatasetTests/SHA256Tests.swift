import ArrayFiles
import TestSupport
import XCTest

final class SHA256Tests: XCTestCase {
    func testPublishedVectors() {
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Lengths around the padding boundaries (55, 56, 63, 64 bytes) and several blocks, against
    /// Python's hashlib.
    func testAgainstHashlib() throws {
        let lengths = [1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 4099]
        let script = """
            import hashlib, sys
            for n in map(int, sys.argv[1:]):
                print(hashlib.sha256(bytes((i * 7 + 3) % 256 for i in range(n))).hexdigest())
            """
        let expected = String(decoding: try Python.run(script, lengths.map(String.init)), as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(lengths.map { n in SHA256.hex((0..<n).map { UInt8(($0 * 7 + 3) % 256) }) }, expected)
    }
}
