import ArgumentParser
import ArrayFiles
import Foundation
import Models
import Paint
import Palette

/// `atlas canvas`: write a canvas template, check a canvas.
struct CanvasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canvas",
        abstract: "Write a canvas template for `atlas paint`, or check a canvas.",
        subcommands: [New.self, Check.self])

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a canvas template that lists a palette's brushes.",
            discussion: """
                The template explains the format in comments, defines a selection of the palette's \
                cells as brushes (by class where a cell is its class's best, by position otherwise), \
                and paints its grid with two of them, so that `atlas paint` runs on it as it is. \
                Edit the grid and the brushes, then `atlas canvas check` it.
                """)

        @Option(help: "The palette folder (palette.json, vectors.npy, whitening.npy, icons/).")
        var palette: String

        @Option(help: "The grid, ROWSxCOLUMNS (14x14 is 224 px at a stride-16 layer).")
        var grid: GridSize = GridSize(rows: 14, columns: 14)

        @Option(parsing: .unconditional, help: "How many of the palette's cells to list as brushes.")
        var brushes = 24

        @Option(name: .shortAndLong, help: "The canvas file to write.")
        var output: String

        @Flag(help: "Replace the output file if it exists.")
        var force = false

        func validate() throws {
            guard (1...62).contains(brushes) else { throw ValidationError("--brushes must be 1 to 62 (one character each)") }
        }

        func run() throws {
            if FileManager.default.fileExists(atPath: output), !force {
                throw ValidationError("\(output) exists; pass --force to replace it")
            }
            let palette = try Palette.load(self.palette)
            let text = CanvasTemplate.text(palette: palette, palettePath: relativePath(to: self.palette, from: output),
                                           rows: grid.rows, columns: grid.columns, brushCount: brushes)
            try writeAtomically(Data(text.utf8), to: output)
            // The template must parse as it is.
            _ = try Canvas.load(output).resolve(palette: palette, network: nil)
            FileHandle.standardError.write(Data("wrote \(output) (\(grid.rows)x\(grid.columns) cells, \(min(brushes, palette.description.cells.count)) brushes)\n".utf8))
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a canvas: parse it, resolve its brushes, print them and the grid.",
            discussion: "Errors name the line and column of the canvas file.")

        @Argument(help: "The canvas file.")
        var canvas: String

        @OptionGroup var network: NetworkOptions

        func run() throws {
            let canvas = try Canvas.load(self.canvas)
            let palette = try canvas.loadPalette()
            let network = try self.network.load()
            let resolved = try canvas.resolve(palette: palette, network: network)
            let options = PaintOptions(settings: canvas.settings)
            let geometry = try PaintGeometry(rows: canvas.rows, columns: canvas.columns, layer: resolved.layer, stride: resolved.stride,
                                             network: network, size: options.size)
            var lines = ["\(canvas.path): ok",
                         "palette \(canvas.palettePath): \(palette.description.model) \(resolved.layer), stride \(resolved.stride)",
                         "grid \(canvas.rows)x\(canvas.columns) -> \(geometry.imageWidth)x\(geometry.imageHeight) px "
                            + "(layer grid \(geometry.layerHeight)x\(geometry.layerWidth)); \(options.steps) steps, seed \(options.seed)",
                         "brushes:"]
            for (index, brush) in resolved.brushes.enumerated() {
                let count = resolved.brushIndexOfCell.filter { $0 == index }.count
                let cells = brush.paletteCells.map { "[\(palette.description.cells[$0].column), \(palette.description.cells[$0].row)]" }
                lines.append("  \(brush.character)  \(brush.label)" + (brush.strength == 1 ? "" : " (strength \(brush.strength))")
                    + " - \(count) cells" + (cells.isEmpty ? "" : "; palette cell " + cells.joined(separator: ", ")))
            }
            for (i, a) in resolved.brushes.enumerated() {
                for b in resolved.brushes[(i + 1)...] where a.vector == b.vector {
                    lines.append("note: '\(a.character)' and '\(b.character)' paint the same vector (a class's best cell can be "
                        + "another class's too): pick one by `cell = [column, row]`")
                }
            }
            lines.append("grid:")
            for row in 0..<canvas.rows {
                lines.append("  " + String(canvas.cells[row * canvas.columns..<(row + 1) * canvas.columns].map { $0 ?? Canvas.freeCell }))
            }
            print(lines.joined(separator: "\n"))
        }
    }
}

/// ROWSxCOLUMNS.
struct GridSize: ExpressibleByArgument {
    let rows: Int
    let columns: Int

    init(rows: Int, columns: Int) {
        (self.rows, self.columns) = (rows, columns)
    }

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x")
        guard parts.count == 2, let rows = Int(parts[0]), let columns = Int(parts[1]), rows > 0, columns > 0,
              rows <= 256, columns <= 256 else { return nil }
        (self.rows, self.columns) = (rows, columns)
    }

    /// How `--help` shows the default: as it is typed.
    var defaultValueDescription: String { "\(rows)x\(columns)" }
}

/// `target` as a path relative to the folder of the file `file` (both relative to the current
/// directory or absolute).
private func relativePath(to target: String, from file: String) -> String {
    let targetParts = URL(fileURLWithPath: target).standardizedFileURL.pathComponents
    let folderParts = URL(fileURLWithPath: file).deletingLastPathComponent().standardizedFileURL.pathComponents
    let common = zip(targetParts, folderParts).prefix { $0 == $1 }.count
    let parts = Array(repeating: "..", count: folderParts.count - common) + targetParts[common...]
    return parts.isEmpty ? "." : parts.joined(separator: "/")
}
