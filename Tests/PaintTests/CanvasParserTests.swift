import Foundation
import Paint
import Palette
import TestSupport
import XCTest

/// The canvas file: what parses, and every kind of error with its line and column.
final class CanvasParserTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try TestFiles.temporaryFolder("paint")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static let valid = """
        title = "a test"
        palette = "palettes/p"
        grid = '''
          aab.
          ccd.
        '''

        [brushes]
        a = { cell = [0, 0] }
        b = { class = "tabby", strength = 2 }
        "c" = { photo = "photos/cat.png", at = [3, 4] }
        d = { mix = [{ class = "espresso", weight = 3 }, { cell = [2, 1] }] }

        [settings]
        steps = 64
        seed = 7
        cosine_power = 1.5
        """

    func testParsesGridBrushesAndSettings() throws {
        let canvas = try PaintTestSupport.canvas(Self.valid, in: folder)
        XCTAssertEqual(canvas.title, "a test")
        XCTAssertEqual(canvas.palettePath, URL(fileURLWithPath: folder + "/palettes/p").standardizedFileURL.path)
        XCTAssertEqual([canvas.rows, canvas.columns], [2, 4])
        XCTAssertEqual(canvas.cells, ["a", "a", "b", nil, "c", "c", "d", nil])
        XCTAssertEqual(canvas.brushes.map(\.character), ["a", "b", "c", "d"])
        XCTAssertEqual(canvas.brushes.map(\.source), [
            .cell(column: 0, row: 0), .label("tabby"),
            .photo(path: URL(fileURLWithPath: folder + "/photos/cat.png").standardizedFileURL.path, row: 3, column: 4),
            .mix([WeightedBrushSource(source: .label("espresso"), weight: 3), WeightedBrushSource(source: .cell(column: 2, row: 1), weight: 1)]),
        ])
        XCTAssertEqual(canvas.brushes.map(\.strength), [1, 2, 1, 1])
        XCTAssertEqual(canvas.brushes[0].location, SourceLocation(line: 9, column: 1))
        XCTAssertEqual(canvas.settings, CanvasSettings(steps: 64, seed: 7, cosinePower: 1.5))
    }

    /// The error of parsing `text`, or a failure when it parses.
    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> CanvasError? {
        do {
            _ = try PaintTestSupport.canvas(text, in: folder)
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let error as CanvasError {
            return error
        } catch {
            XCTFail("expected a CanvasError, got \(error)", file: file, line: line)
            return nil
        }
    }

    private static let brushes = "\n[brushes]\na = { cell = [0, 0] }\nb = { class = \"tabby\" }\n"

    func testAnUnknownCharacterInTheGridPointsAtIt() throws {
        let error = try XCTUnwrap(self.error("palette = \"p\"\ngrid = '''\nab\n.bx\n'''\n" + Self.brushes))
        XCTAssertEqual(error.place, SourceLocation(line: 4, column: 3))
        XCTAssertTrue(error.problem.contains("unknown character 'x'"), error.problem)
        XCTAssertTrue(error.description.hasPrefix("\(folder)/test.canvas:4:3: "), error.description)
        // On the opening line, indented.
        let inline = try XCTUnwrap(self.error("palette = \"p\"\ngrid = '''  a?\nab\n'''\n" + Self.brushes))
        XCTAssertEqual(inline.place, SourceLocation(line: 2, column: 14))
    }

    func testRaggedRowsPointAtTheShortRow() throws {
        let error = try XCTUnwrap(self.error("palette = \"p\"\ngrid = '''\naab\n ab\naab\n'''\n" + Self.brushes))
        XCTAssertEqual(error.place, SourceLocation(line: 4, column: 4))
        XCTAssertTrue(error.problem.contains("row 2 has 2 cells, the first row 3"), error.problem)
    }

    func testSyntaxErrorsCarryTOMLsPosition() throws {
        let error = try XCTUnwrap(self.error("palette = \"p\"\ngrid = '''\nab\n'''\n[brushes]\na = { cell = [0, 0 }\n"))
        XCTAssertEqual(error.place?.line, 6)
        XCTAssertTrue(error.problem.hasPrefix("not valid TOML"), error.problem)
    }

    func testBadBrushDefinitionsPointAtTheBrush() throws {
        let both = try XCTUnwrap(self.error("palette = \"p\"\ngrid = 'a'\n[brushes]\na = { cell = [0, 0], class = \"tabby\" }\n"))
        XCTAssertEqual(both.place?.line, 4)
        XCTAssertTrue(both.problem.contains("only one of cell, class, photo, stamp and mix"), both.problem)
        let long = try XCTUnwrap(self.error("palette = \"p\"\ngrid = 'a'\n[brushes]\na = { cell = [0, 0] }\nsky = { cell = [0, 0] }\n"))
        XCTAssertEqual(long.place, SourceLocation(line: 5, column: 1))
        let unknown = try XCTUnwrap(self.error("palette = \"p\"\ngrid = 'a'\n[brushes]\na = { cell = [0, 0], colour = 3 }\n"))
        XCTAssertEqual(unknown.place, SourceLocation(line: 4, column: 22))
        XCTAssertTrue(unknown.problem.contains("unknown key 'colour'"), unknown.problem)
        let photo = try XCTUnwrap(self.error("palette = \"p\"\ngrid = 'a'\n[brushes.a]\nphoto = \"x.png\"\n"))
        XCTAssertEqual(photo.place?.line, 4)
        XCTAssertTrue(photo.problem.contains("at = [row, column]"), photo.problem)
        let setting = try XCTUnwrap(self.error("palette = \"p\"\ngrid = 'a'\n[brushes]\na = { cell = [0, 0] }\n[settings]\nsteps = 0\n"))
        XCTAssertEqual(setting.place, SourceLocation(line: 6, column: 1))
    }

    func testStampsParseAndTheirBlocksMustHaveTheRegionsShape() throws {
        func stamp(_ grid: String, _ definition: String) -> String {
            "palette = \"p\"\ngrid = '''\n\(grid)\n'''\n[brushes]\ns = { \(definition) }\n"
        }
        let canvas = try PaintTestSupport.canvas(stamp("s.s\ns.s", "stamp = \"cat.png\", region = [3, 4, 5, 5]"), in: folder)
        XCTAssertEqual(canvas.brushes[0].source, .stamp(path: URL(fileURLWithPath: folder + "/cat.png").standardizedFileURL.path,
                                                        region: CellRegion(top: 3, left: 4, bottom: 5, right: 5)))
        XCTAssertEqual(canvas.blocks(of: "s").map(\.region), [CellRegion(top: 0, left: 0, bottom: 2, right: 1),
                                                              CellRegion(top: 0, left: 2, bottom: 2, right: 3)])
        // Blocks of another shape than the region's, or not rectangles: errors at the region.
        let wrongShape = try XCTUnwrap(error(stamp("ss.s\nss.s", "stamp = \"cat.png\", region = [3, 4, 5, 5]")))
        XCTAssertEqual(wrongShape.place, SourceLocation(line: 7, column: 26))
        XCTAssertTrue(wrongShape.problem.contains("block at row 1, column 1 of the grid is 2x2 cells")
                      && wrongShape.problem.contains("is 2x1"), wrongShape.problem)
        let ragged = try XCTUnwrap(error(stamp("ss\ns.", "stamp = \"cat.png\", region = [0, 0, 2, 2]")))
        XCTAssertTrue(ragged.problem.contains("do not form a rectangle"), ragged.problem)
        // The region's own form.
        let three = try XCTUnwrap(error(stamp("s", "stamp = \"cat.png\", region = [1, 2, 3]")))
        XCTAssertEqual(three.place, SourceLocation(line: 6, column: 26))
        XCTAssertTrue(three.problem.contains("four integers [top, left, bottom, right]"), three.problem)
        let empty = try XCTUnwrap(error(stamp("s", "stamp = \"cat.png\", region = [3, 4, 3, 5]")))
        XCTAssertTrue(empty.problem.contains("empty or negative"), empty.problem)
        let missing = try XCTUnwrap(error(stamp("s", "stamp = \"cat.png\"")))
        XCTAssertTrue(missing.problem.contains("needs `region`"), missing.problem)
        let mixed = try XCTUnwrap(error(stamp("s", "mix = [{ stamp = \"cat.png\", region = [0, 0, 1, 1] }]")))
        XCTAssertTrue(mixed.problem.contains("cannot be part of a mix"), mixed.problem)
        let stray = try XCTUnwrap(error(stamp("s", "class = \"tabby\", region = [0, 0, 1, 1]")))
        XCTAssertTrue(stray.problem.contains("`region` goes with `stamp` only"), stray.problem)
    }

    /// A region whose rows or columns (bottom - top, right - left) overflow is an error at the
    /// region, not a trap. Found with the canvas fuzz harness (Fuzz/corpus/canvas/hostile-*.canvas).
    func testARegionWhoseSizeOverflowsIsAnError() throws {
        for region in ["[1, 0, -9223372036854775808, 1]", "[0, 1, 1, -9223372036854775808]"] {
            let refused = try XCTUnwrap(error("palette = \"p\"\ngrid = 's'\n[brushes]\ns = { stamp = \"cat.png\", region = \(region) }\n"))
            XCTAssertEqual(refused.place?.line, 4, region)
            XCTAssertTrue(refused.problem.contains("empty or negative"), refused.problem)
        }
    }

    /// Resolution errors: a class no cell carries, a cell outside the atlas or dropped, a
    /// palette of another model.
    private func resolutionError(_ brush: String, model: String = "mobilenet_v2") throws -> CanvasError? {
        let palette = try PaintTestSupport.syntheticPalette(in: folder + "/p", model: model)
        let canvas = try PaintTestSupport.canvas("palette = \"p\"\ngrid = '''\nab\n'''\n[brushes]\na = { cell = [0, 0] }\n" + brush,
                                                 in: folder)
        do {
            _ = try canvas.resolve(palette: palette, network: model == "mobilenet_v2" ? nil : try RealNetworks.mobileNetV2())
            XCTFail("expected an error")
        } catch let error as CanvasError {
            return error
        }
        return nil
    }

    func testAClassNoCellCarriesSuggestsNames() throws {
        let typo = try XCTUnwrap(try resolutionError("b = { class = \"espreso\" }\n"))
        XCTAssertEqual(typo.place, SourceLocation(line: 7, column: 16))
        XCTAssertTrue(typo.problem.contains("'espresso'"), typo.problem)
        let elsewhere = try XCTUnwrap(try resolutionError("b = { class = \"goldfish\" }\n"))
        XCTAssertTrue(elsewhere.problem.contains("no cell of the palette is labelled 'goldfish'"), elsewhere.problem)
    }

    func testCellsOutsideTheAtlasOrDroppedAreErrors() throws {
        let outside = try XCTUnwrap(try resolutionError("b = { cell = [4, 0] }\n"))
        XCTAssertEqual(outside.place, SourceLocation(line: 7, column: 7))
        XCTAssertTrue(outside.problem.contains("4x4"), outside.problem)
        let dropped = try XCTUnwrap(try resolutionError("b = { cell = [1, 1] }\n"))
        XCTAssertTrue(dropped.problem.contains("was dropped") && dropped.problem.contains("[2, 1] tabby"), dropped.problem)
    }

    func testAPaletteOfAnotherModelIsAnErrorAtThePaletteLine() throws {
        let error = try XCTUnwrap(try resolutionError("b = { cell = [2, 1] }\n", model: "efficientnet_lite0"))
        XCTAssertEqual(error.place, SourceLocation(line: 1, column: 1))
        XCTAssertTrue(error.problem.contains("efficientnet_lite0"), error.problem)
    }
}
