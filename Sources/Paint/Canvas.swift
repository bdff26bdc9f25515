import ArrayFiles
import Foundation
import TOMLFiles
import TOMLKit

/// A parsed canvas file (docs/canvas-format.md): the palette it paints with, a grid of brush
/// characters (`.` for a free cell) and what each brush paints. Parsing checks the file's own
/// consistency; `resolve(palette:network:)` turns the brushes into activation vectors.
public struct Canvas: Sendable {
    /// The canvas file.
    public let path: String
    /// The palette as the file names it, and its folder, resolved relative to the canvas file's folder.
    public let paletteName: String
    public let palettePath: String
    public let rows: Int
    public let columns: Int
    /// rows x columns characters, row by row; nil for a free cell.
    public let cells: [Character?]
    /// In the order the file defines them.
    public let brushes: [BrushDefinition]
    public let settings: CanvasSettings
    /// An optional title for the sheet.
    public let title: String?
    let source: CanvasSource

    /// The character of a free cell.
    public static let freeCell: Character = "."
    /// The most cells per side: a painting's longer side is at most `PaintGeometry.maximumSize`
    /// pixels and a cell at least a layer's stride (16 px at the shallowest palettes' layers).
    public static let maximumCells = PaintGeometry.maximumSize / 16
    /// The most optimisation steps a canvas may ask for.
    public static let maximumSteps = 100_000
    /// The largest canvas file read: a 64x64 grid with a hundred brushes is a few kilobytes.
    public static let maximumFileBytes = 1 << 20

    /// Reads and parses a canvas file; every problem is a `CanvasError` with its line and column.
    public static func load(_ path: String) throws -> Canvas {
        let data: Data
        do {
            data = try RegularFile.read(path, kind: "canvas file", limit: Canvas.maximumFileBytes)
        } catch let error as FileReadError {
            let hint = error.problem.hasPrefix("no such") ? " (`atlas canvas new` writes a template)" : ""
            throw CanvasError(path, at: nil, error.problem + hint)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CanvasError(path, at: nil, "the canvas file is not UTF-8 text")
        }
        return try Canvas(parsing: text, path: path)
    }

    /// Parses canvas text; `path` names the file in errors and anchors relative paths.
    public init(parsing text: String, path: String) throws {
        let source = CanvasSource(text)
        do {
            // toml++ (inside TOMLKit) aborts on some malformed input: check the syntax first.
            try TOMLSyntax.check(text)
        } catch let problem as TOMLSyntax.Problem {
            throw CanvasError(path, at: SourceLocation(line: problem.line, column: problem.column), "not valid TOML: \(problem.message)")
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw CanvasError(path, at: SourceLocation(line: error.source.begin.line, column: error.source.begin.column),
                              "not valid TOML: \(error.description)")
        }
        let reader = CanvasReader(path: path, source: source)
        (self.path, self.source) = (path, source)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        (paletteName, rows, columns, cells, brushes, settings, title) = try withExtendedLifetime(root) {
            try reader.checkKeys(of: root, in: "", allowed: ["palette", "grid", "brushes", "settings", "title"])
            let palette = try reader.string(root, "palette", in: "")
            let brushes = try reader.brushes(root, folder: folder)
            let grid = try reader.grid(root, brushes: Set(brushes.map(\.character)))
            return (palette, grid.rows, grid.columns, grid.cells, brushes,
                    try reader.settings(root), try root["title"].map { _ in try reader.string(root, "title", in: "") })
        }
        palettePath = resolvedPath(paletteName, in: folder)
        try checkStampBlocks()
    }

    /// The error for a problem with `brush`, pointing at `needle` within its definition when
    /// the file has it there.
    public func error(brush: BrushDefinition, at needle: String? = nil, _ message: String) -> CanvasError {
        let location = brush.location.map { start in needle.map { source.location(of: $0, within: start) } ?? start }
        return CanvasError(path, at: location, "brush '\(brush.character)': " + message)
    }

    /// The error for a problem with a top-level key (the palette, a setting).
    public func error(key: String, in table: String = "", _ message: String) -> CanvasError {
        CanvasError(path, at: source.location(ofKey: key, in: table), message)
    }
}

/// `path` as written in a canvas file: absolute, or relative to the canvas's folder.
func resolvedPath(_ path: String, in folder: URL) -> String {
    (path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)).standardizedFileURL.path
}

/// The optional `[settings]` of a canvas; command-line options override them.
public struct CanvasSettings: Sendable, Equatable {
    /// Optimisation steps.
    public var steps: Int?
    public var seed: UInt64?
    /// The image's longer side in pixels (default: the grid times the layer's stride).
    public var size: Int?
    /// What each painted position maximises; the power of the cosine in the dot-cosine one.
    public var objective: PaintObjective?
    public var cosinePower: Float?
    /// Whether the brush targets are whitened.
    public var whiten: Bool?

    public init(steps: Int? = nil, seed: UInt64? = nil, size: Int? = nil, objective: PaintObjective? = nil,
                cosinePower: Float? = nil, whiten: Bool? = nil) {
        (self.steps, self.seed, self.size, self.objective) = (steps, seed, size, objective)
        (self.cosinePower, self.whiten) = (cosinePower, whiten)
    }

    static let keys = ["steps", "seed", "size", "objective", "cosine_power", "whiten"]
}
