import Analysis
import Foundation
import Paint
import Palette
import TestSupport
import XCTest

/// `atlas grid`'s library call: one photo's activation grid, its icons, its reading as palette
/// cells and the canvas that repaints the reading.
final class PhotoGridTests: XCTestCase {
    func testTheGridReadsEachPositionAsItsNearestCellAndWritesACanvas() throws {
        let folder = try TestFiles.temporaryFolder("paint")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let network = try RealNetworks.mobileNetV2()
        let palette = try PaintTestSupport.testPalette(in: folder + "/palette")
        let photo = TestFiles.photo("chelsea.png")
        var reported: [Int] = []
        let grid = try PhotoActivationGrid(photo: photo, layer: PaintTestSupport.layer, network: network, palette: palette,
                                           iconSize: 16, steps: 2, batch: 98) { done, _ in reported.append(done) }
        XCTAssertEqual([grid.rows, grid.columns], [14, 14])
        XCTAssertEqual(reported, [98, 196])
        XCTAssertEqual(grid.icons.count, 196)
        XCTAssertTrue(grid.icons.allSatisfy { $0.width == 16 && $0.height == 16 })
        XCTAssertEqual([grid.photo.width, grid.photo.height], [224, 224])

        // Each position's nearest cell, by the cosine of whitened vectors, computed here directly.
        let nearest = try XCTUnwrap(grid.nearest)
        let cells = try palette.description.cells.indices.map { try palette.whitening.whiten(palette.vector(ofCell: $0)) }
        for (position, vector) in grid.vectors.enumerated() {
            let v = try palette.whitening.whiten(vector)
            let cosines = cells.map { cell -> Double in
                let dot = zip(v, cell).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                return dot / (v.reduce(0.0) { $0 + Double($1) * Double($1) } * cell.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
            }
            let best = cosines.indices.max { cosines[$0] < cosines[$1] }!
            XCTAssertEqual(nearest[position].cell, best, "position \(position)")
            XCTAssertEqual(Double(nearest[position].cosine), cosines[best], accuracy: 1e-4)
        }
        // The cat's photo reads most often as the tabby cell (77 of 196 positions; the rest are
        // background, closer to the espresso and space-shuttle cells).
        let counts = (0..<3).map { cell in nearest.filter { $0.cell == cell }.count }
        XCTAssertEqual(counts.indices.max { counts[$0] < counts[$1] }, 1, "\(counts)")

        // The canvas parses, resolves, and paints each position with its nearest cell's vector.
        let text = try grid.canvasText(palette: palette, paletteReference: "palette", photoName: "chelsea.png",
                                       canvasName: "chelsea.canvas")
        let canvas = try PaintTestSupport.canvas(text, in: folder, name: "chelsea.canvas")
        let resolved = try canvas.resolve(palette: palette, network: network)
        for position in 0..<196 {
            XCTAssertEqual(resolved.targets[position], palette.vector(ofCell: nearest[position].cell))
        }
        // The picture draws.
        let picture = try grid.picture(title: "chelsea", palette: palette)
        XCTAssertGreaterThan(try picture.png().count, 1000)
    }

    func testALayerWithoutAGridOrAPaletteOfAnotherLayerIsAnError() throws {
        let folder = try TestFiles.temporaryFolder("paint")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let network = try RealNetworks.mobileNetV2()
        let photo = TestFiles.photo("chelsea.png")
        XCTAssertThrowsError(try PhotoActivationGrid(photo: photo, layer: "classifier.1", network: network, palette: nil)) { error in
            XCTAssertTrue("\(error)".contains("no spatial grid"), "\(error)")
        }
        let palette = try PaintTestSupport.testPalette(in: folder + "/palette")
        XCTAssertThrowsError(try PhotoActivationGrid(photo: photo, layer: "features.6", network: network, palette: palette)) { error in
            XCTAssertTrue("\(error)".contains("features.13"), "\(error)")
        }
        XCTAssertThrowsError(try PhotoActivationGrid(photo: folder + "/missing.png", layer: "features.6", network: network,
                                                     palette: nil)) { error in
            XCTAssertTrue("\(error)".contains("missing.png"), "\(error)")
        }
    }
}
