import Foundation
import Paint
import TestSupport
import XCTest

/// Where a canvas lands in pixels and on the layer's grid: twice the canvas's scale by default,
/// the layer's grid the canvas's at every size, and sizes that cannot be painted refused.
final class PaintGeometryTests: XCTestCase {
    func testTheDefaultImageIsTwiceTheViewAndTheGridStaysTheCanvas() throws {
        let network = try RealNetworks.mobileNetV2()
        let plain = try PaintGeometry(rows: 2, columns: 3, layer: "features.13", stride: 16, network: network)
        XCTAssertEqual([plain.cellPixels, plain.imageWidth, plain.imageHeight, plain.viewWidth, plain.viewHeight],
                       [32, 96, 64, 48, 32])
        XCTAssertEqual([plain.layerWidth, plain.layerHeight, plain.detailLayerWidth, plain.detailLayerHeight], [3, 2, 6, 4])
        XCTAssertTrue(plain.isUpscaled)
        XCTAssertEqual(plain.layerGrid(Array(0..<6)), Array(0..<6))
        XCTAssertEqual(plain.layerGrid(Array(0..<6), detail: true),
                       [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3, 3, 4, 4, 5, 5])

        let view = try PaintGeometry(rows: 2, columns: 3, layer: "features.13", stride: 16, network: network, size: 48)
        XCTAssertFalse(view.isUpscaled)
        XCTAssertEqual([view.imageWidth, view.imageHeight, view.layerWidth, view.layerHeight], [48, 32, 3, 2])

        // A 14x14 canvas paints 448 px by default; a large canvas is capped at the limit.
        let canvas = try PaintGeometry(rows: 14, columns: 14, layer: "features.13", stride: 16, network: network)
        XCTAssertEqual([canvas.imageWidth, canvas.layerWidth], [448, 14])
        let large = try PaintGeometry(rows: 40, columns: 50, layer: "features.13", stride: 16, network: network)
        XCTAssertEqual([large.cellPixels, large.imageWidth, large.imageHeight], [20, 1000, 800])
    }

    func testSizesThatCannotBePaintedAreRefused() throws {
        let network = try RealNetworks.mobileNetV2()
        func refusal(_ size: Int) -> String {
            do {
                _ = try PaintGeometry(rows: 2, columns: 3, layer: "features.13", stride: 16, network: network, size: size)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(refusal(40).contains("use at least 48 px"), refusal(40))
        XCTAssertTrue(refusal(100).contains("use a multiple of 3"), refusal(100))
        XCTAssertTrue(refusal(PaintGeometry.maximumSize + 3).contains("above the limit of \(PaintGeometry.maximumSize) px"),
                      refusal(PaintGeometry.maximumSize + 3))
    }

    /// A size above the limit in a canvas's [settings] is an error at that line, before anything
    /// is painted or written.
    /// Refused where the canvas is read (by `atlas canvas check` too), before anything is painted.
    func testASizeFromTheCanvasIsRefusedAtItsLine() throws {
        let folder = try TestFiles.temporaryFolder("paint", removedAfter: self)
        let text = ["palette = \"palette\"", "grid = '''", "ab", "'''", "[brushes]", "a = { cell = [0, 0] }",
                    "b = { cell = [3, 3] }", "[settings]", "size = 5000"].joined(separator: "\n")
        XCTAssertThrowsError(try PaintTestSupport.canvas(text, in: folder)) { error in
            XCTAssertTrue("\(error)".contains("test.canvas:9:1"), "\(error)")
            XCTAssertTrue("\(error)".contains("above the limit of \(PaintGeometry.maximumSize) px"), "\(error)")
        }
    }
}
