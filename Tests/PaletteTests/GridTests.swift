import Palette
import XCTest

final class GridTests: XCTestCase {
    func testPointsFallInTheirCellsWithYUpwards() throws {
        // G = 4: x 0.26 is column 1; y 0.74 is grid row 2 from the bottom, row 1 from the top.
        XCTAssertTrue(AtlasGrid.cell(x: 0.26, y: 0.74, size: 4) == (1, 1))
        XCTAssertTrue(AtlasGrid.cell(x: 0, y: 0, size: 4) == (0, 3), "the origin is the bottom left cell")
        XCTAssertTrue(AtlasGrid.cell(x: 1, y: 1, size: 4) == (3, 0), "the top right border stays in the last cell")
        XCTAssertTrue(AtlasGrid.cell(x: 0.5, y: 0.25, size: 4) == (2, 2), "cell boundaries belong to the upper cell")
    }

    func testMembersAndDensityThreshold() throws {
        // Three points in the top left cell, one in the bottom right, of a 2 x 2 grid.
        let layout: [Float] = [0.1, 0.9, 0.2, 0.8, 0.9, 0.1, 0.3, 0.95]
        let grid = try AtlasGrid(layout: layout, size: 2)
        XCTAssertEqual(grid.members, [[0, 1, 3], [], [], [2]])
        let kept = grid.keptCells(minDensity: 2)
        XCTAssertEqual(kept.count, 1)
        XCTAssertEqual(kept.first?.column, 0)
        XCTAssertEqual(kept.first?.row, 0)
        XCTAssertEqual(grid.keptCells(minDensity: 1).map { [$0.column, $0.row] }, [[0, 0], [1, 1]])
        XCTAssertTrue(grid.keptCells(minDensity: 4).isEmpty)
    }

    func testNonFiniteLayoutIsRefused() {
        XCTAssertThrowsError(try AtlasGrid(layout: [0.5, .nan], size: 2)) { error in
            XCTAssertTrue("\(error)".contains("point 0"), "\(error)")
        }
    }

    func testCellMeansAndAttributions() throws {
        let activations: [Float] = [1, 2, 3, 4, 5, 6, 100, 100]
        XCTAssertEqual(CellSummary.meanVector(of: [0, 2], activations: activations, channels: 2), [3, 4])
        // Sample 0 lists classes 2 and 0, sample 1 lists 0 and 1: unlisted classes count 0.
        let classes = [2, 0, 0, 1], attributions: [Float] = [0.6, 0.2, 0.4, -0.2]
        let means = try CellSummary.meanAttributions(of: [0, 1], classes: classes, attributions: attributions, topK: 2, classCount: 4)
        XCTAssertEqual(means[0], 0.3, accuracy: 1e-6)
        XCTAssertEqual(means[1], -0.1, accuracy: 1e-6)
        XCTAssertEqual(means[2], 0.3, accuracy: 1e-6)
        XCTAssertEqual(means[3], 0)
        let top = CellSummary.topClasses(means, labels: ["a", "b", "c", "d"], count: 5)
        XCTAssertEqual(top.map(\.label), ["a", "c"], "positive classes only, ties by index")
        XCTAssertThrowsError(try CellSummary.meanAttributions(of: [0], classes: [7, 0], attributions: [1, 1], topK: 2, classCount: 4))
    }
}
