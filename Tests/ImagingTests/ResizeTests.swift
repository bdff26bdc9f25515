import Foundation
import Imaging
import TestSupport
import XCTest

final class ResizeTests: XCTestCase {
    /// Pillow's input and output for one resize.
    private struct Reference: Decodable {
        let input: String
        let inputWidth: Int
        let inputHeight: Int
        let expected: String
    }

    /// For each (photo, width, height), Pillow's RGB decoding of the photo and its
    /// `resize((width, height), BILINEAR)`; "noise" is a 7 x 5 random image.
    private static let resizeScript = #"""
    import json, os, sys
    import numpy as np
    from PIL import Image

    out, photos, cases = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    references = []
    for i, (photo, width, height) in enumerate(cases):
        if photo == 'noise':
            image = Image.fromarray(np.random.default_rng(3).integers(0, 256, (5, 7, 3), dtype=np.uint8))
        else:
            image = Image.open(os.path.join(photos, photo)).convert('RGB')
        input_path, expected_path = os.path.join(out, f'{i}.in.rgb'), os.path.join(out, f'{i}.out.rgb')
        np.asarray(image).tofile(input_path)
        np.asarray(image.resize((width, height), Image.Resampling.BILINEAR)).tofile(expected_path)
        references.append(dict(input=input_path, inputWidth=image.width, inputHeight=image.height,
                               expected=expected_path))
    print(json.dumps(references))
    """#

    /// Resizes Pillow's decoding of each photo (so that only resampling is compared) and
    /// compares with Pillow's resize; prints the largest difference of each.
    func testResizeMatchesPillowBilinear() throws {
        let cases: [(photo: String, width: Int, height: Int)] = [
            ("chelsea.png", 384, 256),  // 451 x 300: torchvision's Resize(256)
            ("coffee.png", 384, 256),   // 600 x 400
            ("rocket.jpg", 383, 256),   // 640 x 427
            ("chelsea.png", 97, 61),    // strong, non-integer shrink
            ("coffee.png", 37, 29),
            ("chelsea.png", 1000, 700), // enlargement
            ("chelsea.png", 600, 150),  // wider and shorter
            ("chelsea.png", 451, 123),  // vertical pass only
            ("coffee.png", 123, 400),   // horizontal pass only
            ("coffee.png", 500, 100),   // height loses > 2 x what width loses: vertical pass first
            ("chelsea.png", 352, 100),  // just past that boundary (200 > 2 x 99)
            ("chelsea.png", 351, 100),  // just before it (200 = 2 x 100): horizontal first
            ("noise", 17, 11),          // a tiny image enlarged: edges dominate
            ("noise", 3, 2),
        ]
        let folder = try TestFiles.temporaryFolder("imaging")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let specification = try JSONSerialization.data(withJSONObject: cases.map { [$0.photo, $0.width, $0.height] })
        let printed = try PythonReference.run(Self.resizeScript,
                                              [folder, TestFiles.photos, String(decoding: specification, as: UTF8.self)])
        let references = try JSONDecoder().decode([Reference].self, from: Data(printed.utf8))
        XCTAssertEqual(references.count, cases.count)
        for (size, reference) in zip(cases, references) {
            let input = try PythonReference.rawImage(reference.input, width: reference.inputWidth, height: reference.inputHeight)
            let expected = try PythonReference.rawImage(reference.expected, width: size.width, height: size.height)
            let resized = input.resized(width: size.width, height: size.height)
            let difference = maxAbsoluteDifference(resized, expected)
            print("max |resized - Pillow| for \(size.photo) \(input.width) x \(input.height) -> \(size.width) x \(size.height): \(difference)")
            XCTAssertEqual(difference, 0, "\(size)")
        }
    }

    /// Decode, torchvision's Resize(256) and CenterCrop(224), against Pillow with torchvision's
    /// geometry.
    func testClassifierPreprocessingMatchesTorchvisionOnPillow() throws {
        let script = torchvisionGeometry + #"""
        import os, sys
        out, photos = sys.argv[1], sys.argv[2]
        for photo in sys.argv[3:]:
            image = Image.open(os.path.join(photos, photo)).convert('RGB')
            prepared = torchvision_center_crop(torchvision_resize(image, 256), 224, 224)
            np.asarray(prepared).tofile(os.path.join(out, photo + '.rgb'))
        """#
        let photos = ["chelsea.png", "coffee.png", "rocket.jpg", "camera.png"]
        let folder = try TestFiles.temporaryFolder("imaging")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try PythonReference.run(script, [folder, TestFiles.photos] + photos)
        for photo in photos {
            let expected = try PythonReference.rawImage("\(folder)/\(photo).rgb", width: 224, height: 224)
            let prepared = try decodeImage(at: "\(TestFiles.photos)/\(photo)")
                .resized(shortSide: 256).centerCropped(width: 224, height: 224)
            let difference = maxAbsoluteDifference(prepared, expected)
            print("max |Resize(256) + CenterCrop(224) - torchvision on Pillow| for \(photo): \(difference)")
            XCTAssertEqual(difference, 0, photo)
        }
    }

    func testResizeShortSideKeepsTheAspectRatioAsTorchvisionDoes() {
        let tall = RGBImage(width: 300, height: 451, pixels: [UInt8](repeating: 9, count: 300 * 451 * 3))
        let resized = tall.resized(shortSide: 256)
        XCTAssertEqual([resized.width, resized.height], [256, 384])  // int(256 * 451 / 300) = 384
        XCTAssertEqual(Set(resized.pixels), [9])
    }
}
