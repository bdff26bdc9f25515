import Foundation
import Imaging
import TestSupport
import XCTest

/// Damaged or unknown files give an `ImageError` that names the file and the problem, never a
/// crash or a partly decoded image.
final class CorruptImageTests: XCTestCase {
    private func fixtureData(_ name: String) throws -> Data {
        let fixture = try XCTUnwrap(decodeFixtures.get().first { $0.name == name })
        return try Data(contentsOf: URL(fileURLWithPath: fixture.file))
    }

    private func assertRejected(_ data: Data, name: String, mentioning phrases: [String],
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decodeImage(data, name: name), file: file, line: line) { error in
            guard let error = error as? ImageError else {
                return XCTFail("not an ImageError: \(error)", file: file, line: line)
            }
            print("rejected: \(error)")
            XCTAssertEqual(error.file, name, file: file, line: line)
            for phrase in phrases {
                XCTAssertTrue(error.description.contains(phrase), "\(error) does not mention \(phrase)", file: file, line: line)
            }
        }
    }

    /// `data` with `count` bytes from `offset` replaced by a fixed pseudo-random sequence.
    private func overwritten(_ data: Data, at offset: Int, count: Int) -> Data {
        var bytes = [UInt8](data)
        var state: UInt32 = 12345
        for i in offset..<offset + count {
            state = state &* 1_103_515_245 &+ 12345
            bytes[i] = UInt8(truncatingIfNeeded: state >> 16)
        }
        return Data(bytes)
    }

    func testEmptyAndUnknownFiles() {
        assertRejected(Data(), name: "empty.png", mentioning: ["empty file"])
        assertRejected(Data("GIF89a\u{1}\0\u{1}\0\0\0\0".utf8), name: "cat.gif",
                       mentioning: ["not a PNG, JPEG or WebP", "47 49 46 38 39 61"])
        assertRejected(Data([0x89, 0x50]), name: "short.png", mentioning: ["not a PNG, JPEG or WebP"])
    }

    func testMissingFile() {
        XCTAssertThrowsError(try decodeImage(at: "/nonexistent/photo.png")) { error in
            XCTAssertTrue(error is ImageError, "\(error)")
            XCTAssertEqual("\(error)", "/nonexistent/photo.png: no such image")
        }
    }

    /// A device or FIFO is refused before it is read (/dev/zero would never end).
    func testADeviceIsNotAnImage() {
        XCTAssertThrowsError(try decodeImage(at: "/dev/zero")) { error in
            XCTAssertEqual("\(error)", "/dev/zero: a device or socket, where a regular file (the image) was expected")
        }
    }

    func testDamagedPNG() throws {
        let png = try fixtureData("png_rgb8")
        assertRejected(png.prefix(png.count / 2), name: "half.png", mentioning: ["bad PNG", "truncated"])
        assertRejected(png.prefix(8), name: "signature.png", mentioning: ["bad PNG", "truncated"])
        let chunkType = try XCTUnwrap(png.range(of: Data("IDAT".utf8)))
        var flipped = png
        flipped[chunkType.upperBound + 20] ^= 0x55  // zlib notices before the chunk's CRC is read
        assertRejected(flipped, name: "flipped.png", mentioning: ["bad PNG", "IDAT"])
        let length = png[chunkType.lowerBound - 4..<chunkType.lowerBound].reduce(0) { $0 << 8 | Int($1) }
        var badChecksum = png
        badChecksum[chunkType.upperBound + length] ^= 0x01
        assertRejected(badChecksum, name: "checksum.png", mentioning: ["bad PNG", "IDAT: CRC error"])
        assertRejected(png.prefix(png.count - 12), name: "no-end.png", mentioning: ["bad PNG", "truncated"])
    }

    func testDamagedJPEG() throws {
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: TestFiles.photos + "/rocket.jpg"))
        assertRejected(jpeg.prefix(jpeg.count / 2), name: "half.jpg", mentioning: ["bad JPEG", "Premature end of JPEG file"])
        assertRejected(jpeg.prefix(200), name: "header.jpg", mentioning: ["bad JPEG"])
        assertRejected(overwritten(jpeg, at: jpeg.count / 2, count: 200), name: "garbage.jpg",
                       mentioning: ["bad JPEG", "Corrupt JPEG data"])
    }

    func testDamagedWebP() throws {
        for name in ["webp_lossy_rgb", "webp_lossless_rgb", "webp_lossy_rgba"] {
            let webp = try fixtureData(name)
            assertRejected(webp.prefix(webp.count / 2), name: "\(name)-half.webp", mentioning: ["bad WebP", "truncated"])
            var badChunk = webp
            badChunk.replaceSubrange(12..<16, with: Data("JUNK".utf8))
            assertRejected(badChunk, name: "\(name)-junk-chunk.webp", mentioning: ["bad WebP"])
        }
        var badSignature = try fixtureData("webp_lossless_rgb")
        badSignature[20] = 0  // the VP8L signature byte, 0x2f
        assertRejected(badSignature, name: "signature.webp", mentioning: ["bad WebP"])
    }

    func testHugeDimensionsAreRefusedBeforeDecoding() throws {
        var jpeg = try Data(contentsOf: URL(fileURLWithPath: TestFiles.photos + "/rocket.jpg"))
        let frame = try XCTUnwrap(jpeg.range(of: Data([0xFF, 0xC0]))).lowerBound  // SOF0: length, precision, height, width
        jpeg.replaceSubrange(frame + 5..<frame + 9, with: [0xEA, 0x60, 0xEA, 0x60])
        assertRejected(jpeg, name: "huge.jpg", mentioning: ["bad JPEG", "60000 x 60000 pixels is more than the limit"])

        var webp = try fixtureData("webp_lossless_rgb")
        webp.replaceSubrange(21..<25, with: [0xFF, 0xFF, 0xFF, 0x0F])  // VP8L: 14-bit width - 1, height - 1
        assertRejected(webp, name: "huge.webp", mentioning: ["bad WebP", "16384 x 16384 pixels is more than the limit"])
    }
}
