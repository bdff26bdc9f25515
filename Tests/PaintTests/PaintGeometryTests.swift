import Paint
import XCTest

/// Where a canvas lands in pixels and on the layer's grid, at the default size and larger.
final class PaintGeometryTests: XCTestCase {
    func testALargerSizeUpsamplesTheCanvasOntoTheLayersGrid() throws {
        let network = try PaintTestSupport.network()
        let plain = try PaintGeometry(rows: 2, columns: 3, layer: "features.13", stride: 16, network: network)
        XCTAssertEqual([plain.imageWidth, plain.imageHeight, plain.layerWidth, plain.layerHeight], [48, 32, 3, 2])
        XCTAssertEqual(plain.layerGrid(Array(0..<6)), Array(0..<6))

        let doubled = try PaintGeometry(rows: 2, columns: 3, layer: "features.13", stride: 16, network: network, size: 96)
        XCTAssertEqual([doubled.cellPixels, doubled.imageWidth, doubled.imageHeight, doubled.layerWidth, doubled.layerHeight],
                       [32, 96, 64, 6, 4])
        XCTAssertEqual(doubled.layerGrid(Array(0..<6)), [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3, 3, 4, 4, 5, 5])

        XCTAssertThrowsError(try PaintGeometry(rows: 2, columns: 3, layer: "features.13", stride: 16, network: network, size: 40)) {
            XCTAssertTrue("\($0)".contains("use at least 48 px"), "\($0)")
        }
    }
}
