import ArrayFiles
import Foundation
import Imaging
import Models
import Optvis
import Paint
import Palette
import Tensor
import TestSupport
import XCTest

/// A small palette made from real activations, and canvases, for the Paint tests.
enum PaintTestSupport {
    static let layer = "features.13"

    /// The palette cells of `testPalette`: (column, row, ImageNet class, label, photo) on a 4x4
    /// atlas whose other cells were "dropped".
    static let cells: [(column: Int, row: Int, index: Int, label: String, photo: String)] = [
        (0, 0, 967, "espresso", "coffee.png"), (2, 1, 281, "tabby, tabby cat", "chelsea.png"),
        (3, 3, 812, "space shuttle", "rocket.jpg"),
    ]

    /// A palette of features.13 whose cells are the mean activations over the central 6x6
    /// positions of three photos (coffee, a cat, a rocket), whitened by every position of the
    /// three, written into `folder`.
    static func testPalette(in folder: String, model: String = "mobilenet_v2") throws -> Palette {
        let network = try RealNetworks.mobileNetV2()
        let images = try cells.map { try decodeImage(at: TestFiles.photo($0.photo)) }
        let input = try network.input(for: images, names: cells.map(\.photo), resizing: .torchvision)
        let activation = try network.forward(input, to: [layer])[0]
        let (count, channels, side) = (activation.shape[0], activation.shape[1], activation.shape[2])
        let plane = side * side
        var vectors: [Float] = [], samples: [Float] = []
        for n in 0..<count {
            var mean = [Float](repeating: 0, count: channels)
            for p in 0..<plane {
                let (y, x) = (p / side, p % side)
                for c in 0..<channels {
                    let value = activation.values[(n * channels + c) * plane + p]
                    samples.append(value)
                    if (4..<10).contains(y), (4..<10).contains(x) { mean[c] += value / 36 }
                }
            }
            vectors += mean
        }
        let whitening = try Whitening(activations: Tensor(shape: [count * plane, channels], values: samples))
        try FileManager.default.createDirectory(atPath: folder + "/icons", withIntermediateDirectories: true)
        for (cell, image) in zip(cells, images) {
            try image.resized(shortSide: 40).centerCropped(width: 40, height: 40)
                .writePNG(to: "\(folder)/icons/\(cell.column)-\(cell.row).png")
        }
        return try writePalette(in: folder, model: model, channels: channels, vectors: vectors, whitening: whitening, icons: true)
    }

    /// A palette of the same cells with made-up vectors of 4 channels and no icons, for the
    /// parser's tests (no network needed).
    static func syntheticPalette(in folder: String, model: String = "mobilenet_v2") throws -> Palette {
        let vectors: [Float] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]
        let whitening = try Whitening(matrix: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], channels: 4)
        return try writePalette(in: folder, model: model, channels: 4, vectors: vectors, whitening: whitening, icons: false)
    }

    private static func writePalette(in folder: String, model: String, channels: Int, vectors: [Float], whitening: Whitening,
                                     icons: Bool) throws -> Palette {
        let description: [String: Any] = [
            "format": PaletteDescription.currentFormat, "model": model, "weightsSHA256": "test", "layer": layer,
            "channels": channels, "stride": 16, "grid": 4, "samples": 100, "images": cells.count, "imagesSHA256": "test",
            "seed": 0,
            "parameters": ["neighbors": 15, "minDist": 0.1, "metric": "cosine", "whitenedLayout": false, "minDensity": 8,
                           "iconSize": 40, "steps": 0, "attempts": 1, "cossimPower": 4] as [String: Any],
            "cells": cells.enumerated().map { order, cell -> [String: Any] in
                ["column": cell.column, "row": cell.row, "count": 10 + order, "icon": icons ? "icons/\(cell.column)-\(cell.row).png" : "",
                 "classes": [["index": cell.index, "label": cell.label, "attribution": 1.0]]]
            },
        ]
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let decoded = try JSONDecoder().decode(PaletteDescription.self, from: JSONSerialization.data(withJSONObject: description))
        let palette = try Palette(folder: folder, description: decoded, vectors: vectors, whitening: whitening)
        try palette.write()
        return palette
    }

    /// Writes `text` as a canvas file in `folder` and parses it.
    static func canvas(_ text: String, in folder: String, name: String = "test.canvas") throws -> Canvas {
        let path = "\(folder)/\(name)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return try Canvas.load(path)
    }
}
