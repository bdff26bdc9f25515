import ArrayFiles
import Foundation
import Paint
import Palette
import Search
import TestSupport
import XCTest

/// Brush queries from a palette, and the palette check against an index's origin.
final class PaletteQueryTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try TestFiles.temporaryFolder("search")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A 3-channel palette of two cells: "goldfish" (strongest in cell 1) and "tench".
    private func writePalette(layer: String = "l", weights: String = "s") throws -> Palette {
        func cell(_ column: Int, _ classes: [(String, Float)]) -> [String: Any] {
            ["column": column, "row": 0, "count": 9, "icon": "icons/\(column).png",
             "classes": classes.enumerated().map { ["index": $0.offset, "label": $0.element.0, "attribution": $0.element.1] }]
        }
        let description: [String: Any] = [
            "format": "atlas-palette/1", "model": "m", "weightsSHA256": weights, "layer": layer, "channels": 3, "stride": 16,
            "grid": 2, "samples": 18, "images": 2, "imagesSHA256": "x", "seed": 0,
            "parameters": ["neighbors": 5, "minDist": 0.1, "metric": "cosine", "whitenedLayout": false, "minDensity": 1,
                           "iconSize": 8, "steps": 1, "attempts": 1, "cossimPower": 4],
            "cells": [cell(0, [("tench, Tinca tinca", 2), ("goldfish, Carassius auratus", 0.5)]), cell(1, [("goldfish, Carassius auratus", 3)])],
        ]
        let path = folder + "/palette-\(layer)-\(weights)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: description).write(to: URL(fileURLWithPath: path + "/palette.json"))
        try NPY.write(NPYArray(shape: [2, 3], values: [1, 0, 0, 0, 2, 0]), to: path + "/vectors.npy")
        try NPY.write(NPYArray(shape: [3, 3], values: [1, 0, 0, 0, 1, 0, 0, 0, 1]), to: path + "/whitening.npy")
        return try Palette.load(path)
    }

    func testBrushIsTheMostAttributedCell() throws {
        let palette = try writePalette()
        let labels = ["tench, Tinca tinca", "goldfish, Carassius auratus", "great white shark"]
        XCTAssertEqual(try GridQuery.brush("Goldfish", palette: palette, labels: labels).cells, [[0, 1, 0]])
        XCTAssertEqual(try GridQuery.brush("Tinca tinca", palette: palette, labels: labels).cells, [[1, 0, 0]])
        XCTAssertThrowsError(try GridQuery.brush("great white shark", palette: palette, labels: labels)) {
            XCTAssertTrue("\($0)".contains("no cell of palette"), "\($0)")
        }
    }

    func testIndexRefusesPaletteOfAnotherLayerOrCheckpoint() throws {
        let origin = GridOrigin(model: "m", weightsSHA256: "s", layer: "l", channels: 3, stride: 16)
        XCTAssertNoThrow(try origin.check(palette: writePalette(), index: "idx"))
        XCTAssertThrowsError(try origin.check(palette: writePalette(layer: "k"), index: "idx")) {
            XCTAssertTrue("\($0)".contains("idx indexes layer l of m, but palette"), "\($0)")
        }
        XCTAssertThrowsError(try origin.check(palette: writePalette(weights: "t"), index: "idx")) {
            XCTAssertTrue("\($0)".contains("weights"), "\($0)")
        }
    }

    /// A canvas's painted cells become the query; its free cells stay free.
    func testCanvasQueryFindsItsArrangement() throws {
        let palette = try writePalette()
        let text = """
            palette = "\(palette.folder)"
            grid = '''
            g.
            .t
            '''
            [brushes]
            g = { class = "goldfish, Carassius auratus" }
            t = { cell = [0, 0] }
            """
        let canvas = try Canvas(parsing: text, path: folder + "/query.canvas")
        let query = try GridQuery(canvas: canvas.resolve(palette: palette, network: nil))
        XCTAssertEqual(query.cells, [[0, 1, 0], nil, nil, [1, 0, 0]])
        var index = GridIndex(origin: GridOrigin(model: "m", weightsSHA256: "s", layer: "l", channels: 3, stride: 16))
        // 3 x 3: goldfish at (1, 1), tench at (2, 2); clutter (0, 0, 1) elsewhere.
        var values: [Float] = []
        for position in 0..<9 { values += position == 4 ? [0, 5, 0] : position == 8 ? [3, 0, 0] : [0, 0, 1] }
        try index.add(ActivationGrid(channels: 3, rows: 3, columns: 3, values: values), image: index.addImage(path: "p"), side: 48)
        let hit = try XCTUnwrap(try index.ranking(query, top: 1).first)
        XCTAssertEqual([hit.row, hit.column], [1, 1])
        XCTAssertEqual(hit.score, 1, accuracy: 1e-4)
    }
}
