@testable import Analysis
import Foundation
import Imaging
import Models
import Palette
import TestSupport
import XCTest

/// `atlas patch-test`'s library call: which photos are patched, where the patch goes, and the
/// errors.
final class PatchTestTests: XCTestCase {
    func testPatchesGoToTheirCornerAndOnlyEligiblePhotosArePatched() throws {
        let folder = try TestFiles.temporaryFolder("paint")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let network = try RealNetworks.mobileNetV2()
        let photos = ["chelsea.png", "coffee.png", "rocket.jpg"].map(TestFiles.photo)
        var skipped: [String] = []
        // Target: the cat photo's top-1, so only the other two are patched; a file that is not an
        // image is reported and skipped.
        let input = try network.input(for: photos.map(decodeImage(at:)), names: photos, resizing: .torchvision)
        let tops = try PatchTest.topClasses((0..<3).map { network.normalization.image(ofInput: try input.batchItems($0..<$0 + 1)) },
                                            network: network, batch: 3)
        XCTAssertEqual(Set(tops).count, 3, "three photos of three classes: \(tops)")
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: folder + "/broken.png"))
        let test = try PatchTest(photos: photos + [folder + "/broken.png"], network: network, target: tops[0]) { path, _ in
            skipped.append(path)
        }
        XCTAssertEqual(test.paths, Array(photos[1...]))
        XCTAssertEqual(skipped, [folder + "/broken.png"])
        XCTAssertTrue(test.photos.allSatisfy { $0.width == 224 && $0.height == 224 })
        // With a source class, only photos whose top-1 is the source (the coffee photo's).
        let fromEspresso = try PatchTest(photos: photos, network: network, target: tops[0], source: tops[1])
        XCTAssertEqual(fromEspresso.paths, [photos[1]])

        // A red patch at each corner covers exactly that corner.
        let red = RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 0, count: 12).enumerated().map { $0.offset % 3 == 0 ? 255 : 0 })
        let grey = RGBImage(width: 4, height: 4, pixels: [UInt8](repeating: 128, count: 48))
        for (corner, pixel) in [(PatchCorner.topLeft, 0), (.topRight, 3), (.bottomLeft, 12), (.bottomRight, 15)] {
            let patched = PatchTest.paste(red, on: grey, corner: corner)
            XCTAssertEqual(patched.pixels[pixel * 3], 255, "\(corner)")
            XCTAssertEqual(patched.pixels.filter { $0 == 255 }.count, 4, "\(corner)")
        }

        // The run: a patch of the cat itself, half the photo's side, counted against noise.
        let cat = try decodeImage(at: photos[0])
        let outcome = try test.run(patch: cat, size: 0.5, corner: .bottomRight)
        XCTAssertEqual(outcome.images, 2)
        XCTAssertEqual(outcome.size, 0.5)
        XCTAssertTrue((0...1).contains(outcome.flipRate) && (0...1).contains(outcome.noiseFlipRate))
        XCTAssertEqual(try test.run(patch: cat, size: 0.5, corner: .bottomRight), outcome, "the same seed, the same outcome")
        XCTAssertThrowsError(try test.run(patch: cat, size: 1, corner: .topLeft)) { error in
            XCTAssertTrue("\(error)".contains("(0, 1)"), "\(error)")
        }
        // The JSON line's keys.
        let json = String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self)
        for key in ["\"images\"", "\"flip_rate\"", "\"noise_flip_rate\"", "\"size\"", "\"corner\":\"br\""] {
            XCTAssertTrue(json.contains(key), json)
        }
    }
}
