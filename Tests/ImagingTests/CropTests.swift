import Foundation
import Imaging
import TestSupport
import XCTest

final class CropTests: XCTestCase {
    /// A 7 x 6 random image, and for each crop Pillow's `crop` and torchvision's `center_crop`.
    private static let script = torchvisionGeometry + #"""
    import json, os, sys
    out, boxes, centre_sizes = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    image = Image.fromarray(np.random.default_rng(5).integers(0, 256, (6, 7, 3), dtype=np.uint8))
    np.asarray(image).tofile(os.path.join(out, 'input.rgb'))
    for i, (x, y, w, h) in enumerate(boxes):
        np.asarray(image.crop((x, y, x + w, y + h))).tofile(os.path.join(out, f'crop{i}.rgb'))
    for i, (w, h) in enumerate(centre_sizes):
        np.asarray(torchvision_center_crop(image, w, h)).tofile(os.path.join(out, f'centre{i}.rgb'))
    """#

    func testCropsMatchPillowAndTorchvision() throws {
        let boxes = [[1, 2, 3, 4], [0, 0, 7, 6], [-2, -1, 5, 4], [4, 3, 6, 6], [10, 10, 2, 2], [-5, -5, 2, 2]]
        // Odd and even margins (Python rounds halves to even), and crops larger than the image.
        let centreSizes = [[2, 3], [4, 4], [3, 3], [6, 1], [7, 6], [9, 8], [10, 3], [3, 11], [1, 1]]
        let folder = try TestFiles.temporaryFolder("imaging")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func json(_ value: [[Int]]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
        }
        _ = try PythonReference.run(Self.script, [folder, try json(boxes), try json(centreSizes)])
        let image = try PythonReference.rawImage("\(folder)/input.rgb", width: 7, height: 6)
        for (i, box) in boxes.enumerated() {
            let expected = try PythonReference.rawImage("\(folder)/crop\(i).rgb", width: box[2], height: box[3])
            XCTAssertEqual(image.cropped(x: box[0], y: box[1], width: box[2], height: box[3]), expected, "crop \(box)")
        }
        for (i, size) in centreSizes.enumerated() {
            let expected = try PythonReference.rawImage("\(folder)/centre\(i).rgb", width: size[0], height: size[1])
            XCTAssertEqual(image.centerCropped(width: size[0], height: size[1]), expected, "centre crop \(size)")
        }
    }
}
