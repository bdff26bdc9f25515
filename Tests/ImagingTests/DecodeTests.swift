import Foundation
import Imaging
import XCTest

final class DecodeTests: XCTestCase {
    /// Decodes every fixture whose name starts with `prefix` and compares it with Pillow's
    /// decoding; prints the largest difference of each.
    private func checkFixtures(prefix: String, tolerance: Int) throws {
        let fixtures = try decodeFixtures.get().filter { $0.name.hasPrefix(prefix) }
        XCTAssertFalse(fixtures.isEmpty)
        for fixture in fixtures {
            let expected = try PythonReference.rawImage(fixture.expected, width: fixture.width, height: fixture.height)
            let decoded = try decodeImage(at: fixture.file)
            XCTAssertEqual([decoded.width, decoded.height], [fixture.width, fixture.height], fixture.name)
            let difference = maxAbsoluteDifference(decoded, expected)
            print("max |decoded - Pillow| for \(fixture.name) (\(fixture.width) x \(fixture.height)): \(difference)")
            XCTAssertLessThanOrEqual(difference, tolerance, fixture.name)
        }
    }

    func testPNGOfEveryKindMatchesPillow() throws {
        try checkFixtures(prefix: "png_", tolerance: 0)
    }

    func testJPEGMatchesPillow() throws {
        // Both use libjpeg-turbo's default (islow) IDCT and fancy upsampling, but not the same
        // release: allow one level.
        try checkFixtures(prefix: "jpeg_", tolerance: 1)
    }

    func testLosslessWebPMatchesPillowExactly() throws {
        try checkFixtures(prefix: "webp_lossless", tolerance: 0)
    }

    func testLossyWebPMatchesPillow() throws {
        try checkFixtures(prefix: "webp_lossy", tolerance: 0)
    }

    func testFormatIsToldByContentNotName() throws {
        let fixture = try XCTUnwrap(decodeFixtures.get().first { $0.name == "webp_lossless_rgb" })
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture.file))
        let expected = try PythonReference.rawImage(fixture.expected, width: fixture.width, height: fixture.height)
        XCTAssertEqual(try decodeImage(data, name: "misnamed.png"), expected)
    }
}
