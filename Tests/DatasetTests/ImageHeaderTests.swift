import Dataset
import Foundation
import TestSupport
import XCTest

final class ImageHeaderTests: XCTestCase {
    /// Pillow writes each kind of header at an odd size; the header reader agrees with the
    /// sizes Pillow reads back.
    func testSizesOfEveryHeaderKind() throws {
        let folder = try TestFiles.temporaryFolder("dataset", removedAfter: self)
        let script = """
            import sys
            from PIL import Image
            folder = sys.argv[1]
            Image.new("RGB", (37, 23), (10, 200, 30)).save(folder + "/lossy.webp", "WEBP")
            Image.new("RGB", (41, 19), (10, 200, 30)).save(folder + "/lossless.webp", "WEBP", lossless=True)
            Image.new("RGBA", (29, 301), (10, 200, 30, 128)).save(folder + "/extended.webp", "WEBP")
            Image.new("RGB", (33, 17)).save(folder + "/image.png")
            Image.new("RGB", (45, 27)).save(folder + "/baseline.jpg")
            Image.new("RGB", (451, 300)).save(folder + "/progressive.jpg", progressive=True, dpi=(72, 72))
            for name in ["lossy.webp", "lossless.webp", "extended.webp", "image.png", "baseline.jpg", "progressive.jpg"]:
                with Image.open(folder + "/" + name) as image:
                    print(name, image.size[0], image.size[1])
            """
        let lines = String(decoding: try Python.run(script, [folder]), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        var webpChunks: [String] = []
        for line in lines {
            let fields = line.split(separator: " ").map(String.init)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(fields[0])")))
            let header = try ImageHeader(bytes: bytes, file: fields[0])
            XCTAssertEqual([header.width, header.height], [Int(fields[1])!, Int(fields[2])!], fields[0])
            XCTAssertEqual(header.format.rawValue, ["webp": "webp", "png": "png", "jpg": "jpeg"][fields[0].split(separator: ".").last!])
            if header.format == .webp { webpChunks.append(String(decoding: bytes[12..<16], as: UTF8.self)) }
        }
        XCTAssertEqual(webpChunks.sorted(), ["VP8 ", "VP8L", "VP8X"])  // each WebP kind was exercised
    }

    func testBadHeadersGiveErrors() {
        XCTAssertThrowsError(try ImageHeader(bytes: Array("GIF89a......".utf8), file: "a.gif")) {
            XCTAssertEqual("\($0)", "a.gif: not a JPEG, PNG or WebP file (unknown signature)")
        }
        let pngStart: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13] + Array("IHDR".utf8) + [0, 0]
        XCTAssertThrowsError(try ImageHeader(bytes: pngStart, file: "cut.png")) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        XCTAssertThrowsError(try ImageHeader(bytes: [0xff, 0xd8, 0xff, 0xda, 0, 4, 0, 0], file: "scan.jpg")) {
            XCTAssertTrue("\($0)".contains("no start-of-frame"), "\($0)")
        }
        XCTAssertNil(ImageFormat(signature: Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8)))
    }
}
