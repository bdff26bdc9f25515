import Imaging
import Palette
import TestSupport
import XCTest

final class PictureTests: XCTestCase {
    func testDensityAndClassOpacities() {
        // Mean count 40: sqrt(10/40) = 0.5, and denser cells are opaque.
        XCTAssertEqual(AtlasPicture.densityOpacities([10, 40, 70]), [0.5, 1, 1])
        XCTAssertEqual(AtlasPicture.classOpacities([0.5, 2, -1, 1]), [0.25, 1, 0, 0.5])
        XCTAssertEqual(AtlasPicture.classOpacities([-1, 0]), [0, 0])
    }

    func testLabelsWhereTheyChange() {
        func cell(_ column: Int, _ row: Int, _ label: String) -> PaletteCell {
            PaletteCell(column: column, row: row, count: 10, classes: [ClassAttribution(index: 0, label: label, attribution: 1)], icon: "")
        }
        // a a b
        // a c c
        let cells = [cell(0, 0, "a"), cell(1, 0, "a"), cell(2, 0, "b"), cell(0, 1, "a"), cell(1, 1, "c"), cell(2, 1, "c")]
        // (2,0) "b" differs but its left neighbour is not labelled; (1,1) "c" differs from both.
        XCTAssertEqual(AtlasPicture.labelledCells(cells), [0, 2, 4])
    }

    func testClassLookupAndSuggestions() throws {
        let labels = ["tench, Tinca tinca", "goldfish, Carassius auratus", "giant panda, panda", "lesser panda, red panda, panda"]
        XCTAssertEqual(try ClassLookup.resolve("Goldfish", labels: labels), 1)
        XCTAssertEqual(try ClassLookup.resolve("carassius auratus", labels: labels), 1)
        XCTAssertEqual(try ClassLookup.resolve("red panda", labels: labels), 3)
        XCTAssertThrowsError(try ClassLookup.resolve("panda", labels: labels)) { XCTAssertTrue("\($0)".contains("ambiguous"), "\($0)") }
        XCTAssertThrowsError(try ClassLookup.resolve("goldfsh", labels: labels)) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'goldfish'"), "\(error)")
        }
        XCTAssertEqual(ClassLookup.shortName(labels[0]), "tench")
    }
}

/// The class across layers: the shipped palettes' class views side by side, each at the same
/// side, with the class's attribution as each icon's opacity.
final class AtlasComparisonTests: XCTestCase {
    func testShippedPalettesSideBySide() throws {
        let palettes = try ["features.6", "features.13"].map {
            try Palette.load(TestFiles.path("palettes/mobilenet_v2/\($0)"))
        }
        let comparison = try AtlasComparison(palettes: palettes, side: 200, focus: (index: 1, label: "goldfish"))
        XCTAssertEqual(comparison.pictures.map(\.side), [200, 200])
        XCTAssertEqual(try comparison.pictures[1].opacities().max(), 1, "the most attributed cell is opaque")
        let drawing = try comparison.draw()
        let image = try decodeImage(try drawing.png(), name: "comparison")
        // Two pictures of 200 px plus their margins (12 px a side), a 12-px gap, 16-px margins.
        XCTAssertEqual(image.width, 2 * (200 + 24) + 12 + 32)
        XCTAssertThrowsError(try AtlasComparison(palettes: []))
    }
}
