import ArrayFiles
import Foundation
import Imaging
import Models
import Paint
import Palette
import TestSupport
import XCTest

/// Painting a small canvas with brushes of real activations, judged by the independent float64
/// numpy reference (Tests/Reference/mobilenet_v2.py) on the written PNG.
final class PaintFidelityTests: XCTestCase {
    /// 4x4 cells at features.13 (stride 16): a 64-px image, three brushes and free cells. The
    /// targets are not whitened: the test palette's whitening comes from the 588 positions of
    /// three photos only, a degenerate estimate of the layer's covariance (with it, 71% of the
    /// cells are won in this short run; with a palette's whitening of 34k samples, 100%).
    private static let canvasText = """
        palette = "palette"
        grid = '''
        eeet
        e.tt
        ss.t
        ssst
        '''

        [brushes]
        e = { class = "espresso" }
        t = { cell = [2, 1] }
        s = { class = "space shuttle" }

        [settings]
        steps = 64
        whiten = false
        """

    func testEachPaintedCellIsClosestToItsOwnBrushInTheReference() throws {
        let folder = try TestFiles.temporaryFolder("paint")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let network = try RealNetworks.mobileNetV2()
        let palette = try PaintTestSupport.testPalette(in: folder + "/palette")
        let canvas = try PaintTestSupport.canvas(Self.canvasText, in: folder).resolve(palette: palette, network: network)
        let painting = try paint(canvas, whitening: palette.whitening, network: network, options: PaintOptions(settings: canvas.canvas.settings))
        // Painted at twice the canvas's scale, judged at the canvas's (64 px: the layer's 4x4 grid).
        XCTAssertEqual([painting.image.width, painting.image.height], [128, 128])
        try painting.image.writePNG(to: folder + "/painted.png")

        try Python.runReference("mobilenet_v2.py", ["--weights", network.weightsPath, "--out", folder + "/reference",
                                                            "--resize", "64x64", folder + "/painted.png"])
        let activation = try NPY.read(folder + "/reference/\(PaintTestSupport.layer).npy")
        XCTAssertEqual(activation.shape, [1, 96, 4, 4])
        var wins = 0, painted = 0, lines: [String] = []
        for (cell, brush) in canvas.brushIndexOfCell.enumerated() {
            guard let brush else { continue }
            let vector = (0..<96).map { activation.values[$0 * 16 + cell] }
            let cosines = canvas.brushes.map { cosineOf(vector, $0.vector) }
            painted += 1
            if cosines.indices.allSatisfy({ $0 == brush || cosines[$0] < cosines[brush] }) { wins += 1 }
            lines.append("cell \(cell / 4),\(cell % 4) brush \(canvas.brushes[brush].character): "
                + cosines.map { String(format: "%.3f", $0) }.joined(separator: " "))
        }
        print(lines.joined(separator: "\n"))
        XCTAssertGreaterThanOrEqual(Double(wins) / Double(painted), 0.9, "cells won by their own brush: \(wins) of \(painted)")

        // The Swift evaluation of the same PNG agrees with the reference's.
        let evaluation = try PaintEvaluation(image: try decodeImage(at: folder + "/painted.png"), canvas: canvas,
                                             geometry: painting.geometry, network: network, labels: ImageNetLabels.load())
        XCTAssertEqual(evaluation.cells.count, painted)
        XCTAssertEqual(evaluation.cells.filter(\.ownBrushWins).count, wins)
    }

    /// The default, whitened, with the shipped features.13 palette (its whitening estimated from
    /// the demo collection's samples): three of its cells painted on a 4x4 canvas, each painted
    /// cell closest to its own brush in the reference's activations, whitened the same way.
    func testWhitenedPaintingWithTheShippedPaletteIsClosestToItsOwnBrushes() throws {
        let folder = try TestFiles.temporaryFolder("paint", removedAfter: self)
        let network = try RealNetworks.mobileNetV2()
        let palette = try Palette.load(TestFiles.path("palettes/mobilenet_v2/features.13"))
        let cells = palette.description.cells
        let chosen = [cells[0], cells[cells.count / 2], cells[cells.count - 1]]
        let text = """
            palette = "\(palette.folder)"
            grid = '''
            aaab
            a.bb
            cc.b
            cccb
            '''

            [brushes]
            a = { cell = [\(chosen[0].column), \(chosen[0].row)] }
            b = { cell = [\(chosen[1].column), \(chosen[1].row)] }
            c = { cell = [\(chosen[2].column), \(chosen[2].row)] }

            [settings]
            steps = 64
            """
        let canvas = try PaintTestSupport.canvas(text, in: folder).resolve(palette: palette, network: network)
        XCTAssertNil(canvas.canvas.settings.whiten, "the canvas leaves whitening at its default")
        XCTAssertTrue(PaintOptions(settings: canvas.canvas.settings).whiten, "whitening is the default")
        let painting = try paint(canvas, whitening: palette.whitening, network: network, options: PaintOptions(settings: canvas.canvas.settings))
        try painting.image.writePNG(to: folder + "/painted.png")
        try Python.runReference("mobilenet_v2.py", ["--weights", network.weightsPath, "--out", folder + "/reference",
                                                    "--resize", "64x64", folder + "/painted.png"])
        let activation = try NPY.read(folder + "/reference/\(PaintTestSupport.layer).npy")
        XCTAssertEqual(activation.shape, [1, 96, 4, 4])
        let brushes = try canvas.brushes.map { try palette.whitening.whiten($0.vector) }
        var wins = 0, painted = 0
        for (cell, brush) in canvas.brushIndexOfCell.enumerated() {
            guard let brush else { continue }
            let vector = try palette.whitening.whiten((0..<96).map { activation.values[$0 * 16 + cell] })
            let cosines = brushes.map { cosineOf(vector, $0) }
            painted += 1
            if cosines.indices.allSatisfy({ $0 == brush || cosines[$0] < cosines[brush] }) { wins += 1 }
        }
        print("whitened, shipped palette: cells won by their own brush \(wins) of \(painted)")
        XCTAssertGreaterThanOrEqual(Double(wins) / Double(painted), 0.9, "cells won by their own brush (whitened): \(wins) of \(painted)")
    }

    func testTheSameSeedPaintsTheSameImage() throws {
        let folder = try TestFiles.temporaryFolder("paint")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let network = try RealNetworks.mobileNetV2()
        let palette = try PaintTestSupport.testPalette(in: folder + "/palette")
        let canvas = try PaintTestSupport.canvas(Self.canvasText, in: folder).resolve(palette: palette, network: network)
        // The default schedule (class terms, coarse to fine) twice; cheaper settings for the rest
        // (a debug build runs the class terms' 224-px views slowly).
        func image(seed: UInt64, objective: PaintObjective = .cosine, plain: Bool = false) throws -> RGBImage {
            try paint(canvas, whitening: palette.whitening, network: network,
                      options: PaintOptions(steps: 6, seed: seed, size: plain ? 64 : nil, objective: objective,
                                            classWeight: plain ? 0 : PaintOptions.defaultClassWeight)).image
        }
        let first = try image(seed: 3)
        XCTAssertEqual(try image(seed: 3), first)
        let plain = try image(seed: 3, plain: true)
        XCTAssertNotEqual(try image(seed: 4, plain: true), plain)
        // The icons' objective paints too, differently.
        XCTAssertNotEqual(try image(seed: 3, objective: .dotCosine, plain: true), plain)
    }

    private func cosineOf(_ a: [Float], _ b: [Float]) -> Float {
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let norms = a.reduce(0.0) { $0 + Double($1) * Double($1) } * b.reduce(0.0) { $0 + Double($1) * Double($1) }
        return Float(dot / norms.squareRoot())
    }
}
