import Foundation
import Models
import Palette

/// The canvas `atlas canvas new` writes: the format explained in comments, a selection of the
/// palette's cells as ready brushes, and a grid painted with two of them, so that it paints as
/// it is and teaches by being edited.
public enum CanvasTemplate {
    /// Brush characters for the listed cells, in order.
    private static let characters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    /// The template for a rows x columns canvas painting with `palette`, whose folder is
    /// `palettePath` as the canvas should name it (relative to the canvas's folder).
    public static func text(palette: Palette, palettePath: String, rows: Int, columns: Int, brushCount: Int = 24) -> String {
        let description = palette.description
        let brushes = selection(palette, count: min(brushCount, characters.count))
        let (first, second) = (characters[0], brushes.count > 1 ? characters[1] : characters[0])
        // An example size larger than the default: three times the view, a multiple of the grid's longer side.
        let side = max(rows, columns)
        let largerSize = min(3 * side * description.stride, PaintGeometry.maximumSize / side * side)
        let grid = (0..<rows).map { row in String(repeating: String(row < rows / 2 ? first : second), count: columns) }
        let listed = brushes.enumerated().map { index, cell -> String in
            let summary = description.cells[cell]
            let label = ClassLookup.shortName(summary.label)
            let key = characters[index]
            let definition = label.isEmpty || palette.cell(forClass: summary.label) != cell
                ? "\(key) = { cell = [\(summary.column), \(summary.row)] }"
                : "\(key) = { class = \"\(label)\" }"
            let padded = definition.padding(toLength: max(definition.count, 44), withPad: " ", startingAt: 0)
            return "\(padded) # cell [\(summary.column), \(summary.row)]: \(label.isEmpty ? "no label" : label), "
                + "\(summary.count) samples"
        }
        // The palette's network, as --model names it (the default needs no option).
        let model = description.model == ModelName.mobileNetV2.rawValue ? ""
            : ModelName(rawValue: description.model) != nil ? " --model \(description.model)"
            : " --model CARD.toml (\(description.model)'s model card)"
        return """
            # A canvas for `atlas paint`: draw with concepts of \(description.model)'s layer \(description.layer).
            # Paint it:   atlas paint THIS.canvas -o out.png\(model)      (writes out.png and out.sheet.png)
            # Check it:   atlas canvas check THIS.canvas\(model)
            # The format is TOML; docs/canvas-format.md describes it in full.

            # The palette (an activation atlas, `atlas palette build`), relative to this file's folder.
            palette = "\(palettePath)"

            # The grid: one character per cell, one line per row, '.' for a cell left free. Each cell
            # is one position of the layer's grid, \(description.stride) px of the image (\(rows)x\(columns) cells -> \
            \(columns * description.stride)x\(rows * description.stride) px).
            grid = '''
            \(grid.joined(separator: "\n"))
            '''

            # What each character paints. A brush is
            #   a palette cell by its position in the atlas:  x = { cell = [column, row] }
            #   the cell most attributed to a class:          x = { class = "seashore" }
            #   a photo's activation at a position of the layer's grid (photo resized and centre-cropped
            #   to the network's input, 224 px: a \(224 / description.stride)x\(224 / description.stride) grid):
            #                                                 x = { photo = "beach.jpg", at = [row, column] }
            #   a block of a photo's activations, painted as a block (the grid's blocks of x must have
            #   the region's shape; rows top..<bottom, columns left..<right):
            #                                                 x = { stamp = "dog.jpg", region = [top, left, bottom, right] }
            #   a weighted mix of these:                      x = { mix = [{ class = "sandbar", weight = 2 }, { cell = [3, 4] }] }
            # and may carry a strength (default 1), the weight of its cells in the objective:
            #                                                 x = { class = "lakeside", strength = 2 }
            # Keys other than letters, digits, - and _ need quotes: "~" = { class = "valley" }.
            # Some of this palette's \(description.cells.count) cells, the most populated label by label:
            [brushes]
            \(listed.joined(separator: "\n"))

            # Optional; command-line options override them. The size must be a multiple of the grid's longer side.
            [settings]
            steps = \(PaintOptions.defaultSteps)        # optimisation steps
            seed = 0           # the same seed paints the same image on the same machine
            # size = \(largerSize)       # the image's longer side in px (default: twice the grid times the stride, at most \(PaintGeometry.maximumSize))
            # objective = "cosine"   # or "dot-cosine": the icons' dot x cos^power (see docs/canvas-format.md)
            # cosine_power = \(String(format: "%g", PaintOptions.defaultCosinePower))   # the power of dot-cosine
            # whiten = true      # whiten the brush targets with the palette's whitening (as its icons)

            """
    }

    /// Cells to list: for each label, its most populated cell, labels by decreasing population;
    /// unlabelled cells last.
    static func selection(_ palette: Palette, count: Int) -> [Int] {
        var best: [String: Int] = [:]
        for (index, cell) in palette.description.cells.enumerated() {
            let label = ClassLookup.shortName(cell.label)
            if let current = best[label], palette.description.cells[current].count >= cell.count { continue }
            best[label] = index
        }
        let cells = palette.description.cells
        return best.sorted { a, b in
            (a.key.isEmpty ? 1 : 0, -cells[a.value].count, a.value) < (b.key.isEmpty ? 1 : 0, -cells[b.value].count, b.value)
        }.prefix(count).map(\.value)
    }
}
