import Foundation
import Imaging
import Render

/// The sheet `atlas paint` writes beside the image: the painted image with the grid and each
/// cell's character over it; a heat map of each cell's cosine with its brush; the legend (each
/// brush's icon, character, label and how its cells did); the network's top classes.
public enum PaintSheet {
    private static let margin = 16.0, rowHeight = 52.0, iconSide = 44.0

    public static func draw(canvas: ResolvedCanvas, painting: Painting, evaluation: PaintEvaluation, options: PaintOptions,
                            title: String) throws -> Drawing {
        let (image, rows, columns) = (painting.image, canvas.rows, canvas.columns)
        let scale = max(1, 448 / Double(max(image.width, image.height)))
        let (panelWidth, panelHeight) = (Double(image.width) * scale, Double(image.height) * scale)
        let (cellWidth, cellHeight) = (panelWidth / Double(columns), panelHeight / Double(rows))
        let legendTop = 56 + panelHeight + 28
        let topClassesTop = legendTop + Double(canvas.brushes.count) * rowHeight + 12
        let width = max(3 * margin + 2 * panelWidth, 640), height = topClassesTop + 30 + 5 * 22 + margin
        let drawing = try Drawing(width: Int(width.rounded(.up)), height: Int(height.rounded(.up)))

        drawing.text(title, x: margin, y: 26, size: 18, bold: true, maxWidth: width - 2 * margin)
        let summary = "\(canvas.layer), \(image.width)x\(image.height) px; \(options.steps) steps, seed \(options.seed), "
            + (options.objective == .cosine ? "cosine" : String(format: "dot x cos^%g", options.cosinePower))
            + (options.whiten ? " to whitened targets" : "")
            + String(format: "; mean cosine %.3f; %.0f%% of cells closest to their own brush", evaluation.meanCosine,
                     100 * evaluation.ownBrushWinRate)
        drawing.text(summary, x: margin, y: 46, size: 12, colour: .grey, maxWidth: width - 2 * margin)

        // The painted image, the grid and the characters.
        let (left, top, right) = (margin, 56.0, 2 * margin + panelWidth)
        drawing.draw(image, x: left, y: top, width: panelWidth, height: panelHeight, smooth: false)
        drawGrid(drawing, x: left, y: top, rows: rows, columns: columns, cellWidth: cellWidth, cellHeight: cellHeight,
                 colour: .white, opacity: 0.45)
        let fontSize = min(10, cellHeight * 0.32)
        for (cell, brush) in canvas.brushIndexOfCell.enumerated() {
            guard let brush else { continue }
            let (x, y) = (left + Double(cell % columns) * cellWidth, top + Double(cell / columns) * cellHeight)
            drawing.fillRectangle(x: x + 1, y: y + 1, width: fontSize * 0.85, height: fontSize * 1.05, colour: .white, opacity: 0.45)
            drawing.text(String(canvas.brushes[brush].character), x: x + 1.5, y: y + fontSize, size: fontSize, opacity: 0.8)
        }
        drawing.text("painted image, grid and brushes", x: left, y: top + panelHeight + 18, size: 12, colour: .grey)

        // The heat map of each painted cell's cosine with its brush.
        let cosineOfCell = Dictionary(uniqueKeysWithValues: evaluation.cells.map { ($0.row * columns + $0.column, $0) })
        for cell in 0..<rows * columns {
            let (x, y) = (right + Double(cell % columns) * cellWidth, top + Double(cell / columns) * cellHeight)
            guard let painted = cosineOfCell[cell] else {
                drawing.fillRectangle(x: x, y: y, width: cellWidth, height: cellHeight, colour: Colour(hex: 0xeeeeee))
                continue
            }
            // White at 0 (or below) to dark green at 0.8 and above.
            drawing.fillRectangle(x: x, y: y, width: cellWidth, height: cellHeight,
                                  colour: Colour.scale(Double(painted.cosine) / 0.8, sequential: true))
            if cellWidth >= 26 {
                drawing.text(String(format: "%.2f", painted.cosine), x: x + 2, y: y + cellHeight - 3, size: min(10, cellWidth / 3.2),
                             colour: painted.ownBrushWins ? .black : Colour(hex: 0xb00000))
            }
            drawing.text(String(canvas.brushes[painted.brush].character), x: x + 2, y: y + fontSize + 1, size: fontSize, colour: .grey)
        }
        drawGrid(drawing, x: right, y: top, rows: rows, columns: columns, cellWidth: cellWidth, cellHeight: cellHeight,
                 colour: .white, opacity: 1)
        drawing.text("cosine with the cell's brush (green: 0.8+; red: another brush is closer)", x: right, y: top + panelHeight + 18,
                     size: 12, colour: .grey, maxWidth: panelWidth)

        // The legend.
        for (index, brush) in canvas.brushes.enumerated() {
            let y = legendTop + Double(index) * rowHeight
            if let icon = brush.icon {
                drawing.draw(icon, x: margin, y: y, width: iconSide, height: iconSide)
            } else {
                drawing.strokeRectangle(x: margin, y: y, width: iconSide, height: iconSide, colour: .grey)
            }
            drawing.text(String(brush.character), x: margin + iconSide + 10, y: y + 28, size: 22, bold: true)
            let cells = evaluation.cells.filter { $0.brush == index }
            let mean = cells.reduce(0) { $0 + $1.cosine } / Float(max(cells.count, 1))
            let detail = cells.isEmpty ? "not in the grid"
                : String(format: "%d cells, mean cosine %.3f, %d closest to it", cells.count, mean, cells.filter(\.ownBrushWins).count)
            drawing.text(brush.label + (brush.strength == 1 ? "" : String(format: "  (strength %g)", brush.strength)),
                         x: margin + iconSide + 40, y: y + 18, size: 14, maxWidth: width - iconSide - 3 * margin - 40)
            drawing.text(detail, x: margin + iconSide + 40, y: y + 36, size: 12, colour: .grey)
        }

        // The network's top classes for the painted image.
        drawing.text("the network sees", x: margin, y: topClassesTop + 14, size: 13, bold: true)
        for (rank, score) in evaluation.top.enumerated() {
            let y = topClassesTop + 26 + Double(rank) * 22
            drawing.fillRectangle(x: margin, y: y, width: 160 * Double(score.probability), height: 16, colour: Colour.category(0))
            drawing.strokeRectangle(x: margin, y: y, width: 160, height: 16, colour: .grey, lineWidth: 0.5)
            drawing.text(String(format: "%.1f%%  ", 100 * score.probability) + score.label, x: margin + 170, y: y + 13, size: 12,
                         maxWidth: width - 3 * margin - 170)
        }
        return drawing
    }

    private static func drawGrid(_ drawing: Drawing, x: Double, y: Double, rows: Int, columns: Int, cellWidth: Double,
                                 cellHeight: Double, colour: Colour, opacity: Double) {
        for row in 0...rows {
            let lineY = y + Double(row) * cellHeight
            drawing.line(from: (x, lineY), to: (x + Double(columns) * cellWidth, lineY), colour: colour, lineWidth: 0.5, opacity: opacity)
        }
        for column in 0...columns {
            let lineX = x + Double(column) * cellWidth
            drawing.line(from: (lineX, y), to: (lineX, y + Double(rows) * cellHeight), colour: colour, lineWidth: 0.5, opacity: opacity)
        }
    }
}
