import ArrayFiles
import Foundation
import Paint
import Palette
import TestSupport
import XCTest

/// What a canvas may ask for, refused before anything is allocated, each naming the place and
/// the limit; and what is not a canvas file at all.
final class CanvasLimitTests: XCTestCase {
    private func canvas(grid rows: Int, _ columns: Int, settings: String = "", in folder: String) throws -> Canvas {
        let grid = Array(repeating: String(repeating: "a", count: columns), count: rows).joined(separator: "\n")
        return try PaintTestSupport.canvas("palette = \"p\"\ngrid = '''\n\(grid)\n'''\n[brushes]\na = { cell = [0, 0] }\n\(settings)",
                                           in: folder)
    }

    private func problem(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testTooLargeAGridOrSizeOrStepCountIsRefused() throws {
        let folder = try TestFiles.temporaryFolder("paint", removedAfter: self)
        XCTAssertNoThrow(try canvas(grid: 64, 64, in: folder))
        XCTAssertTrue(problem { try canvas(grid: 200, 200, in: folder) }.contains(":3:65: the grid is larger than 64 cells per side"))
        XCTAssertTrue(problem { try canvas(grid: 65, 2, in: folder) }.contains("the grid is larger than 64 cells per side"))
        XCTAssertTrue(problem { try canvas(grid: 2, 2, settings: "[settings]\nsize = 100000", in: folder) }
            .hasSuffix(":9:1: `size` = 100000 is above the limit of 1024 px for the image's longer side"))
        XCTAssertTrue(problem { try canvas(grid: 2, 2, settings: "[settings]\nsteps = 10000000", in: folder) }
            .contains("`steps` = 10000000 is above the limit of 100000"))
        // 40 cells fit a stride of 16 (640 px) but not the shipped features.17's 32 (1,280 px).
        let wide = try canvas(grid: 40, 40, in: folder)
        let palette = try PaintTestSupport.syntheticPalette(in: folder + "/p")
        XCTAssertNoThrow(try wide.resolve(palette: palette, network: nil))
        let deep = try Palette.load(TestFiles.path("palettes/mobilenet_v2/features.17"))
        let text = try String(contentsOfFile: folder + "/test.canvas", encoding: .utf8)
            .replacingOccurrences(of: "palette = \"p\"", with: "palette = \"\(deep.folder)\"")
        let onDeep = try PaintTestSupport.canvas(text, in: folder, name: "deep.canvas")
        XCTAssertTrue(problem { try onDeep.resolve(palette: deep, network: nil) }
            .contains("a 40x40 grid at features.17 (a 32-px stride) paints at least 1280 px, above the limit of 1024 px"))
    }

    func testATabInTheGridIsCalledATab() throws {
        let folder = try TestFiles.temporaryFolder("paint", removedAfter: self)
        let message = problem { try PaintTestSupport.canvas("palette = \"p\"\ngrid = '''\na\ta\n'''\n[brushes]\na = { cell = [0, 0] }\n", in: folder) }
        XCTAssertTrue(message.contains(":3:2: a tab in the grid (row 1, column 2)"), message)
    }

    func testDevicesFIFOsAndFoldersAreNotCanvasFiles() throws {
        let folder = try TestFiles.temporaryFolder("paint", removedAfter: self)
        XCTAssertEqual(problem { try Canvas.load("/dev/zero") }, "/dev/zero: a device or socket, where a regular file (the canvas file) was expected")
        XCTAssertEqual(mkfifo(folder + "/fifo.canvas", 0o600), 0)
        XCTAssertTrue(problem { try Canvas.load(folder + "/fifo.canvas") }.hasSuffix("fifo.canvas: a FIFO, where a regular file (the canvas file) was expected"))
        XCTAssertTrue(problem { try Canvas.load(folder) }.hasSuffix(": a folder, where a regular file (the canvas file) was expected"))
        XCTAssertTrue(problem { try Canvas.load(folder + "/none.canvas") }
            .hasSuffix("none.canvas: no such canvas file (`atlas canvas new` writes a template)"))
    }

    /// A palette whose vectors hold a NaN is refused where it is read, naming the cell (it was
    /// once "a zero vector" at the brush).
    func testANonFinitePaletteVectorIsRefusedNamingItsCell() throws {
        let folder = try TestFiles.temporaryFolder("paint", removedAfter: self)
        let palette = try PaintTestSupport.syntheticPalette(in: folder + "/p")
        var vectors = palette.vectors
        vectors[5] = .nan
        try NPY.write(NPYArray(shape: [palette.description.cells.count, 4], values: vectors), to: folder + "/p/vectors.npy")
        let cell = palette.description.cells[1]
        XCTAssertEqual(problem { try Palette.load(folder + "/p") },
                       "\(folder)/p/vectors.npy: cell [\(cell.column), \(cell.row)] holds nan in channel 1: a palette's vectors must be finite")
    }
}
