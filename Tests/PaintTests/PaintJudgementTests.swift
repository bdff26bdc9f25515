import Foundation
import Imaging
import Judge
import Models
import Paint
import Palette
import TestSupport
import XCTest

/// The judge: how a region is shown to a network, and what it reports of each brush.
final class PaintJudgementTests: XCTestCase {
    func testRegionsAreShownWithTheirLongerSideAtTheInputSize() {
        XCTAssertTrue(RegionJudge.viewSize(height: 448, width: 448, inputSize: 224) == (224, 224))
        XCTAssertTrue(RegionJudge.viewSize(height: 448, width: 224, inputSize: 224) == (224, 128))
        XCTAssertTrue(RegionJudge.viewSize(height: 32, width: 64, inputSize: 224) == (128, 224))
        XCTAssertTrue(RegionJudge.viewSize(height: 16, width: 448, inputSize: 224) == (32, 224))
    }

    /// A photo "painted" on a 2x2 canvas whose left column is a class brush: the judge (here
    /// MobileNetV2 itself, the network the tests load) reads the cat photo's left half and ranks
    /// its class; the whole image too; a region outside the image is an error.
    func testTheJudgeReadsEachBrushsRegion() throws {
        let folder = try TestFiles.temporaryFolder("paint")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let network = try RealNetworks.mobileNetV2()
        let palette = try PaintTestSupport.syntheticPalette(in: folder + "/palette")
        let canvas = try PaintTestSupport.canvas("""
            palette = "palette"
            grid = '''
            ct
            c.
            '''
            [brushes]
            c = { class = "tabby" }
            t = { cell = [3, 3] }
            """, in: folder).resolve(palette: palette, network: nil)
        XCTAssertEqual(canvas.brushes.map(\.classIndex), [281, nil])
        XCTAssertEqual(canvas.region(ofBrush: 0), CellRegion(top: 0, left: 0, bottom: 2, right: 1))

        let photo = try decodeImage(at: TestFiles.photo("chelsea.png")).resized(shortSide: 64).centerCropped(width: 64, height: 64)
        let geometry = try PaintGeometry(rows: 2, columns: 2, layer: "features.13", stride: 16, network: network)
        let image = photo.resized(width: geometry.imageWidth, height: geometry.imageHeight)
        let judge = RegionJudge(network: network, labels: try ImageNetLabels.load())
        let judgement = try PaintJudgement(image: image, canvas: canvas, geometry: geometry, judge: judge)
        XCTAssertEqual(judgement.brushes.map(\.brush), [0, 1])
        XCTAssertEqual(judgement.brushes[0].region, PixelRectangle(top: 0, left: 0, height: 64, width: 32))
        XCTAssertEqual(judgement.brushes[1].region, PixelRectangle(top: 0, left: 32, height: 32, width: 32))
        let cat = try XCTUnwrap(judgement.brushes[0].judgement.expected)
        XCTAssertEqual(cat.index, 281)
        XCTAssertEqual(cat.label, "tabby, tabby cat")
        XCTAssertEqual(judgement.brushes[0].judgement.top.count, 5)
        // The rank is the class's place among the judge's sorted probabilities.
        let top = judgement.brushes[0].judgement.top
        XCTAssertTrue(cat.rank > 5 || top[cat.rank - 1].index == 281)
        XCTAssertNil(judgement.brushes[1].judgement.expected)
        XCTAssertEqual(judgement.classBrushesInTop(1000).of, 1)
        XCTAssertEqual(judgement.whole.top.count, 5)
        XCTAssertThrowsError(try judge.judge(image, region: PixelRectangle(top: 40, left: 0, height: 40, width: 10)))
    }
}
