import Foundation
import Imaging
import Models
import Paint
import Palette
import TestSupport
import XCTest

/// Brushes by position, class, photo and mix become the right vectors.
final class BrushResolutionTests: XCTestCase {
    func testBrushesByPositionClassPhotoAndMix() throws {
        let folder = try TestFiles.temporaryFolder("paint")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let network = try RealNetworks.mobileNetV2()
        let palette = try PaintTestSupport.testPalette(in: folder + "/palette")
        let photo = TestFiles.photo("chelsea.png")
        let canvas = try PaintTestSupport.canvas("""
            palette = "palette"
            grid = '''
            pcp
            xm.
            '''
            [brushes]
            p = { cell = [3, 3] }
            c = { class = "tabby cat", strength = 0.5 }
            x = { photo = "\(photo)", at = [5, 9] }
            m = { mix = [{ class = "espresso", weight = 3 }, { cell = [2, 1] }] }
            """, in: folder).resolve(palette: palette, network: network)

        XCTAssertEqual(canvas.brushes.map(\.character), ["p", "c", "x", "m"])
        XCTAssertEqual(canvas.brushIndexOfCell, [0, 1, 0, 2, 3, nil])
        XCTAssertEqual(canvas.targets.map { $0 == nil }, [false, false, false, false, false, true])
        XCTAssertEqual(canvas.brushes[0].vector, palette.vector(ofCell: 2))
        XCTAssertEqual(canvas.brushes[0].label, "space shuttle")
        // By class: a synonym of the label finds the cell; the strength is kept.
        XCTAssertEqual(canvas.brushes[1].vector, palette.vector(ofCell: 1))
        XCTAssertEqual(canvas.brushes[1].strength, 0.5)
        XCTAssertEqual(canvas.brushes[1].paletteCells, [1])
        XCTAssertNotNil(canvas.brushes[1].icon)

        // By photo: the layer's activation at row 5, column 9 of the photo's 224-px crop.
        let input = try network.input(for: [try decodeImage(at: photo)], names: [photo], resizing: .torchvision)
        let activation = try network.forward(input, to: [PaintTestSupport.layer])[0]
        XCTAssertEqual(canvas.brushes[2].vector, (0..<96).map { activation.values[$0 * 196 + 5 * 14 + 9] })
        XCTAssertEqual(canvas.brushes[2].icon.map { [$0.width, $0.height] }, [48, 48])

        // A mix: the weighted mean.
        let (espresso, tabby) = (palette.vector(ofCell: 0), palette.vector(ofCell: 1))
        for c in 0..<96 { XCTAssertEqual(canvas.brushes[3].vector[c], 0.75 * espresso[c] + 0.25 * tabby[c], accuracy: 1e-5) }
        XCTAssertEqual(canvas.brushes[3].label, "3 espresso + tabby")
        XCTAssertEqual(canvas.brushes[3].paletteCells, [0, 1])
    }
}
