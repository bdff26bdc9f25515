import Foundation
import Palette

extension PhotoActivationGrid {
    /// The characters a written canvas uses, in order of how many positions each cell reads.
    static let characters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    /// The palette's reading of the photo: each position's brush character, and the palette cell
    /// each character paints. Cells beyond the 62 characters (the most read first) give their
    /// positions to the nearest kept cell.
    public func reading(palette: Palette) throws -> (grid: [Character], cells: [(character: Character, cell: Int)]) {
        guard let nearest else { throw AnalysisError("the grid was computed without a palette: nothing to read it with") }
        var counts: [Int: Int] = [:]
        for position in nearest { counts[position.cell, default: 0] += 1 }
        let kept = counts.keys.sorted { (counts[$0]!, -$0) > (counts[$1]!, -$1) }.prefix(Self.characters.count)
        let keptPalette = Array(kept)
        let characterOfCell = Dictionary(uniqueKeysWithValues: keptPalette.enumerated().map { ($1, Self.characters[$0]) })
        // Positions whose cell was not kept go to the nearest kept cell, by the same cosine.
        let keptNeighbours = try PaletteNeighbours(palette: palette, cells: keptPalette)
        let grid = try nearest.enumerated().map { position, reading -> Character in
            try characterOfCell[reading.cell] ?? characterOfCell[keptNeighbours.nearest(to: vectors[position]).cell]!
        }
        return (grid, keptPalette.map { (characterOfCell[$0]!, $0) })
    }

    /// A canvas (docs/canvas-format.md) that paints the palette's reading of the photo: one brush
    /// per palette cell read, by its atlas position. `paletteReference` is how the canvas names
    /// the palette (relative to the canvas's folder, or absolute).
    public func canvasText(palette: Palette, paletteReference: String, photoName: String, canvasName: String) throws -> String {
        let (grid, cells) = try reading(palette: palette)
        let rows = (0..<self.rows).map { row in String(grid[row * columns..<(row + 1) * columns]) }
        let brushes = cells.map { character, cell in
            let summary = palette.description.cells[cell]
            let label = summary.label.isEmpty ? "" : "  # \(summary.label)"
            return "\(character) = { cell = [\(summary.column), \(summary.row)] }\(label)"
        }
        let title = "\(photoName) at \(layer), in the palette's words"
        return """
            # The activation grid of \(photoName) at \(layer), read in the palette's vocabulary: each
            # position is painted by its nearest palette cell (written by `atlas grid`).
            # Repaint it:  atlas paint \(canvasName) -o out.png
            title = "\(title.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))"
            palette = "\(paletteReference.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))"

            grid = '''
            \(rows.joined(separator: "\n"))
            '''

            [brushes]
            \(brushes.joined(separator: "\n"))

            """
    }
}

/// `target` as a path relative to `folder` (both made absolute and standardised), or the
/// absolute path when they share no more than the root.
public func relativePath(of target: String, from folder: String) -> String {
    let targetParts = URL(fileURLWithPath: target).standardizedFileURL.pathComponents
    let folderParts = URL(fileURLWithPath: folder).standardizedFileURL.pathComponents
    var common = 0
    while common < min(targetParts.count, folderParts.count), targetParts[common] == folderParts[common] { common += 1 }
    guard common > 1 else { return URL(fileURLWithPath: target).standardizedFileURL.path }
    let parts = Array(repeating: "..", count: folderParts.count - common) + targetParts[common...]
    return parts.isEmpty ? "." : parts.joined(separator: "/")
}
