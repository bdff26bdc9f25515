import Foundation
import Imaging
import Models
import Search
import TestSupport
import XCTest

/// The one test on MobileNetV2: an index of three photos at features.13, searched with 3x3
/// regions of each photo's own grid.
final class RealModelSearchTests: XCTestCase {
    func testSelfRetrievalWithMobileNetV2() throws {
        let model = ModelName.mobileNetV2
        let weights = try TestFiles.weights("mobilenet_v2-b0353104.pth"), sha256 = try XCTUnwrap(model.weightsFile.sha256)
        let paths = ["astronaut.png", "chelsea.png", "coffee.png"].map(TestFiles.photo)
        let folder = try TestFiles.temporaryFolder("search")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = try NetworkGridSource(network: model.load(weightsAt: weights), layer: "features.13",
                                           weightsSHA256: sha256)
        XCTAssertEqual(source.origin.channels, 96)
        XCTAssertEqual(source.origin.stride, 16)
        _ = try IndexBuilder(folder: folder, source: source, scales: [224]).build(paths)
        let (manifest, index) = try IndexFolder.load(folder)
        XCTAssertEqual(manifest.images.map { [$0.grids[0].rows, $0.grids[0].columns] }, [[14, 14], [14, 14], [14, 14]])
        for (number, path) in paths.enumerated() {
            let grid = try source.grids(of: [IndexView.fitted(decodeImage(at: path), side: 224)], side: 224)[0]
            let hit = try XCTUnwrap(try index.ranking(grid.region(rows: 5..<8, columns: 4 + number..<7 + number), top: 1).first)
            XCTAssertEqual([hit.image, hit.row, hit.column], [number, 5, 4 + number])
            XCTAssertGreaterThan(hit.score, 0.999)
        }
    }
}
