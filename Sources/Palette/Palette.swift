import ArrayFiles
import Foundation
import Models
import Optvis

/// `palette.json`: what a palette is and where it came from (README, "The palette on disk").
public struct PaletteDescription: VersionedJSON, Sendable, Equatable {
    /// "atlas-palette/1".
    public var format: String
    /// The model (`ModelName` raw value, "mobilenet_v2") and the sha256 of its checkpoint.
    public var model: String
    public var weightsSHA256: String
    public var layer: String
    public var channels: Int
    /// Input pixels per layer cell (16 for a stride-16 layer).
    public var stride: Int
    /// The atlas is grid x grid cells.
    public var grid: Int
    /// Samples laid out, and images they came from.
    public var samples: Int
    public var images: Int
    /// The collection's `imagesSHA256`: names the data set.
    public var imagesSHA256: String
    public var seed: UInt64
    public var parameters: PaletteParameters
    /// The cells that passed the density threshold; the i-th is row i of `vectors.npy`.
    public var cells: [PaletteCell]
    /// The classes of the columns of `attributions.npy` (every class some kept cell has a positive
    /// mean attribution to), ascending; nil for a palette without that file.
    public var attributedClasses: [Int]?

    public static let currentFormat = "atlas-palette/1"
    public static let fileName = "palette.json"
}

extension PaletteDescription {
    /// Channels, grid, stride and counts in the ranges a palette can have; each cell inside the grid.
    public var outOfBounds: String? {
        if let problem = firstOutOfBounds([("channels", channels), ("stride", stride)], 1...65536)
            ?? firstOutOfBounds([("grid", grid)], 1...1024)
            ?? firstOutOfBounds([("samples", samples), ("images", images), ("cells", cells.count)], 0...Int(Int32.max))
            ?? firstOutOfBounds([("parameters.iconSize", parameters.iconSize)], 1...4096)
            ?? firstOutOfBounds((attributedClasses ?? []).enumerated().map { ("attributedClasses[\($0)]", $1) }, 0...1 << 20) {
            return problem
        }
        for (number, cell) in cells.enumerated() {
            if let problem = firstOutOfBounds([("cells[\(number)].column", cell.column), ("cells[\(number)].row", cell.row)], 0...grid - 1)
                ?? firstOutOfBounds([("cells[\(number)].count", cell.count)], 0...Int(Int32.max)) {
                return problem
            }
        }
        return nil
    }
}

/// How a palette was built.
public struct PaletteParameters: Codable, Sendable, Equatable {
    /// UMAP: neighbours, minimum distance, metric ("cosine" or "euclidean"), and whether the
    /// layout ran on whitened activations.
    public var neighbors: Int
    public var minDist: Float
    public var metric: String
    public var whitenedLayout: Bool
    /// A cell is kept when it holds at least this many samples.
    public var minDensity: Int
    /// Icons: side in pixels, optimisation steps, attempts, cosine power of the objective.
    public var iconSize: Int
    public var steps: Int
    public var attempts: Int
    public var cossimPower: Float
    /// The layout method when it was not UMAP ("tsne"), and t-SNE's perplexity; absent for UMAP.
    public var layout: String?
    public var perplexity: Double?

    public init(neighbors: Int, minDist: Float, metric: String, whitenedLayout: Bool, minDensity: Int,
                iconSize: Int, steps: Int, attempts: Int, cossimPower: Float) {
        (self.neighbors, self.minDist, self.metric, self.whitenedLayout) = (neighbors, minDist, metric, whitenedLayout)
        (self.minDensity, self.iconSize, self.steps, self.attempts, self.cossimPower) = (minDensity, iconSize, steps, attempts, cossimPower)
    }
}

/// One kept cell of the atlas.
public struct PaletteCell: Codable, Sendable, Equatable {
    /// Grid position: column from the left, row from the top of the rendered atlas.
    public var column: Int
    public var row: Int
    /// Samples in the cell.
    public var count: Int
    /// The classes with the largest mean attribution over the cell's samples, best first.
    public var classes: [ClassAttribution]
    /// The icon, relative to the palette folder ("icons/07-03.png").
    public var icon: String

    public init(column: Int, row: Int, count: Int, classes: [ClassAttribution], icon: String) {
        (self.column, self.row, self.count, self.classes, self.icon) = (column, row, count, classes, icon)
    }

    /// The cell's label: its most attributed class, or "" when it has none.
    public var label: String { classes.first?.label ?? "" }
}

/// A class and a cell's mean attribution to it.
public struct ClassAttribution: Codable, Sendable, Equatable {
    public var index: Int
    public var label: String
    public var attribution: Float

    public init(index: Int, label: String, attribution: Float) {
        (self.index, self.label, self.attribution) = (index, label, attribution)
    }
}

/// A palette: an activation atlas of one layer, on disk as a folder with `palette.json`,
/// `vectors.npy` [cells, C] (each cell's mean raw activation), `whitening.npy` [C, C] (the
/// layer's whitening matrix), `layout.npy` [samples, 2] (the normalised layout), `icons/` and
/// `atlas.png`; `attributions.npy` [cells, classes] holds each cell's mean attribution to the
/// classes `attributedClasses` lists.
public struct Palette: Sendable {
    public let folder: String
    public let description: PaletteDescription
    /// [cells, channels], row by row.
    public let vectors: [Float]
    public let whitening: Whitening

    public static let vectorsFile = "vectors.npy"
    public static let whiteningFile = "whitening.npy"
    public static let layoutFile = "layout.npy"
    public static let atlasFile = "atlas.png"
    /// [cells, attributedClasses]: each cell's mean attribution to each class of `attributedClasses`.
    public static let attributionsFile = "attributions.npy"

    public init(folder: String, description: PaletteDescription, vectors: [Float], whitening: Whitening) throws {
        let (cells, channels) = (description.cells.count, description.channels)
        guard vectors.count == cells * channels, whitening.channels == channels else {
            throw PaletteError("\(folder): \(cells) cells of \(channels) channels need \(cells * channels) vector values and a "
                + "\(channels)x\(channels) whitening matrix, got \(vectors.count) values and \(whitening.channels)x\(whitening.channels)")
        }
        (self.folder, self.description, self.vectors, self.whitening) = (folder, description, vectors, whitening)
    }

    /// Reads and checks the palette in `folder`.
    public static func load(_ folder: String) throws -> Palette {
        let jsonPath = path(folder, PaletteDescription.fileName)
        guard let description = try PaletteDescription.read(from: jsonPath, kind: "palette description") else {
            throw PaletteError("\(jsonPath): no palette here (build one with `atlas palette build`)")
        }
        let channels = description.channels
        let vectors = try NPY.read(path(folder, vectorsFile))
        guard vectors.shape == [description.cells.count, channels] else {
            throw PaletteError("\(path(folder, vectorsFile)): expected [\(description.cells.count), \(channels)] (cells x channels "
                + "of \(description.layer)), got \(vectors.shape)")
        }
        if let bad = vectors.values.firstIndex(where: { !$0.isFinite }) {
            let cell = description.cells[bad / max(channels, 1)]
            throw PaletteError("\(path(folder, vectorsFile)): cell [\(cell.column), \(cell.row)] holds \(vectors.values[bad]) in channel "
                + "\(bad % channels): a palette's vectors must be finite")
        }
        let matrix = try NPY.read(path(folder, whiteningFile))
        guard matrix.shape == [channels, channels] else {
            throw PaletteError("\(path(folder, whiteningFile)): expected [\(channels), \(channels)], got \(matrix.shape)")
        }
        if let bad = matrix.values.firstIndex(where: { !$0.isFinite }) {
            throw PaletteError("\(path(folder, whiteningFile)): holds \(matrix.values[bad]) at row \(bad / channels), column "
                + "\(bad % channels): the whitening matrix must be finite")
        }
        return try Palette(folder: folder, description: description, vectors: vectors.values,
                           whitening: Whitening(matrix: matrix.values, channels: channels))
    }

    /// Writes `palette.json`, `vectors.npy` and `whitening.npy` into `folder` (each atomically;
    /// the icons, layout and atlas picture are written by the builder).
    public func write() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let channels = description.channels
        try NPY.write(NPYArray(shape: [description.cells.count, channels], values: vectors), to: Self.path(folder, Self.vectorsFile))
        try NPY.write(NPYArray(shape: [channels, channels], values: whitening.matrix), to: Self.path(folder, Self.whiteningFile))
        try writeAtomically(encoder.encode(description), to: Self.path(folder, PaletteDescription.fileName))
    }

    /// The mean raw activation of cell `index` (an index into `description.cells`).
    public func vector(ofCell index: Int) -> [Float] {
        let channels = description.channels
        return Array(vectors[index * channels..<(index + 1) * channels])
    }

    /// The kept cell at a grid position, or nil when the position is outside the grid or its cell
    /// was dropped by the density threshold.
    public func cell(column: Int, row: Int) -> Int? {
        description.cells.firstIndex { $0.column == column && $0.row == row }
    }

    /// The cell with the largest mean attribution to the class `label` (exact ImageNet label,
    /// case-insensitive), or nil when no cell has it among its classes.
    public func cell(forClass label: String) -> Int? {
        let wanted = label.lowercased()
        var best: (cell: Int, attribution: Float)?
        for (index, cell) in description.cells.enumerated() {
            guard let match = cell.classes.first(where: { $0.label.lowercased() == wanted }) else { continue }
            if best == nil || match.attribution > best!.attribution { best = (index, match.attribution) }
        }
        return best?.cell
    }

    /// Every class label some cell carries, sorted.
    public var classLabels: [String] {
        Array(Set(description.cells.flatMap { $0.classes.map(\.label) })).sorted()
    }

    /// The absolute path of a file of the palette.
    public func path(_ relative: String) -> String { Self.path(folder, relative) }

    /// Fails unless the palette was built for `model` (and `layer`, and the checkpoint with
    /// `weightsSHA256`, where given), saying which differs.
    public func check(model: String, layer: String? = nil, weightsSHA256: String? = nil) throws {
        let d = description
        if d.model != model {
            let remedy = ModelName(rawValue: d.model) != nil ? "pass --model \(d.model)"
                : "pass --model with the model card (.toml) of \(d.model), your own ONNX model"
            throw PaletteError("\(folder): this palette is for model \(d.model), not \(model); \(remedy)")
        }
        if let layer, d.layer != layer {
            throw PaletteError("\(folder): this palette is for layer \(d.layer) of \(d.model), not \(layer)")
        }
        if let weightsSHA256, d.weightsSHA256 != weightsSHA256 {
            throw PaletteError("\(folder): this palette was built with \(d.model) weights of sha256 \(d.weightsSHA256.prefix(12))…, "
                + "but the loaded checkpoint's is \(weightsSHA256.prefix(12))…")
        }
    }

    static func path(_ folder: String, _ relative: String) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent(relative).path
    }
}

/// A palette that could not be built, read or used.
public struct PaletteError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
