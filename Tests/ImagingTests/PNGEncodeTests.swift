import Foundation
import Imaging
import TestSupport
import XCTest

final class PNGEncodeTests: XCTestCase {
    /// A 67 x 45 crop of chelsea.png as Pillow decodes it.
    private func photoCrop() throws -> RGBImage {
        let fixture = try XCTUnwrap(decodeFixtures.get().first { $0.name == "png_rgb8" })
        return try PythonReference.rawImage(fixture.expected, width: fixture.width, height: fixture.height)
    }

    func testWrittenPNGReadsBackInPillowAndHere() throws {
        let image = try photoCrop()
        let folder = try TestFiles.temporaryFolder("imaging")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/out/crop.png"
        try image.writePNG(to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/out"), ["crop.png"],
                       "no temporary file is left behind")
        XCTAssertEqual(try decodeImage(at: path), image)
        let script = """
        import sys, numpy as np
        from PIL import Image
        image = Image.open(sys.argv[1])
        assert image.mode == 'RGB', image.mode
        np.asarray(image).tofile(sys.argv[1] + '.rgb')
        """
        _ = try PythonReference.run(script, [path])
        XCTAssertEqual(try PythonReference.rawImage(path + ".rgb", width: image.width, height: image.height), image)
    }

    func testEncodingAnEmptyImageIsAnError() {
        XCTAssertThrowsError(try RGBImage(width: 0, height: 0, pixels: []).writePNG(to: "/nonexistent/empty.png")) { error in
            XCTAssertTrue(error is ImageError, "\(error)")
            XCTAssertTrue("\(error)".contains("empty.png"), "\(error)")
        }
    }
}
