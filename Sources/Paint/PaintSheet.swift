import Foundation
import Imaging
import Models
import Palette
import Render

/// The sheet `atlas paint` writes beside the image: the painted image with the grid and each
/// cell's character over it; a heat map of each cell's cosine with its brush; the legend (each
/// brush's icon, character, label and how its cells did, and with a judge what the judge sees in
/// the brush's region); the network's top classes, and the judge's.
public enum PaintSheet {
    private static let margin = 16.0, iconSide = 44.0

    public static func draw(canvas: ResolvedCanvas, painting: Painting, evaluation: PaintEvaluation, judgement: PaintJudgement? = nil,
                            options: PaintOptions, title: String) throws -> Drawing {
        let rowHeight = judgement == nil ? 52.0 : 68.0
        let (image, rows, columns) = (painting.image, canvas.rows, canvas.columns)
        let scale = max(1, 448 / Double(max(image.width, image.height)))
        let (panelWidth, panelHeight) = (Double(image.width) * scale, Double(image.height) * scale)
        let (cellWidth, cellHeight) = (panelWidth / Double(columns), panelHeight / Double(rows))
        let imageTop = 74.0
        let legendTop = imageTop + panelHeight + 28
        let topClassesTop = legendTop + Double(canvas.brushes.count) * rowHeight + 12
        let width = max(3 * margin + 2 * panelWidth, 640), height = topClassesTop + 30 + 5 * 22 + margin
        let drawing = try Drawing(width: Int(width.rounded(.up)), height: Int(height.rounded(.up)))

        drawing.text(title, x: margin, y: 26, size: 18, bold: true, maxWidth: width - 2 * margin)
        let settings = "\(canvas.layer), \(image.width)x\(image.height) px; \(options.steps) steps, seed \(options.seed), "
            + (options.classWeight > 0 ? String(format: "class terms %g, ", options.classWeight) : "")
            + (options.objective == .cosine ? "cosine" : String(format: "dot x cos^%g", options.cosinePower))
            + (options.whiten ? " to whitened targets" : "")
        let measured = String(format: "mean cosine %.3f; %.0f%% of cells closest to their own brush", evaluation.meanCosine,
                              100 * evaluation.ownBrushWinRate)
            + (evaluation.meanColourError.map { String(format: "; photo cells' colour off by %.3f", $0) } ?? "")
        drawing.text(settings, x: margin, y: 46, size: 12, colour: .grey, maxWidth: width - 2 * margin)
        drawing.text(measured, x: margin, y: 62, size: 12, colour: .grey, maxWidth: width - 2 * margin)

        // The painted image, the grid and the characters.
        let (left, top, right) = (margin, imageTop, 2 * margin + panelWidth)
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
            if let judged = judgement?.brushes.first(where: { $0.brush == index })?.judgement {
                let seen = judged.top.prefix(3).map { ClassLookup.shortName($0.label) + String(format: " %.0f%%", 100 * $0.probability) }
                let rank = judged.expected.map { "; \(ClassLookup.shortName($0.label)) ranks \($0.rank)" } ?? ""
                let colour = judged.expected.map { $0.rank <= 5 ? Colour(hex: 0x1a7f37) : Colour(hex: 0xb00000) } ?? .grey
                drawing.text("\(judgement!.judge) sees " + seen.joined(separator: ", ") + rank, x: margin + iconSide + 40, y: y + 53,
                             size: 12, colour: colour, maxWidth: width - iconSide - 3 * margin - 40)
            }
        }

        // The network's top classes for the painted image, and the judge's.
        drawTopClasses(drawing, "the network sees", evaluation.top, x: margin, y: topClassesTop, width: (width - 3 * margin) / 2)
        if let judgement {
            drawTopClasses(drawing, "the judge (\(judgement.judge)) sees", judgement.whole.top, x: (width + margin) / 2,
                           y: topClassesTop, width: (width - 3 * margin) / 2)
        }
        return drawing
    }

    private static func drawTopClasses(_ drawing: Drawing, _ heading: String, _ scores: [ClassScore], x: Double, y top: Double,
                                       width: Double) {
        drawing.text(heading, x: x, y: top + 14, size: 13, bold: true)
        for (rank, score) in scores.enumerated() {
            let y = top + 26 + Double(rank) * 22
            drawing.fillRectangle(x: x, y: y, width: 160 * Double(score.probability), height: 16, colour: Colour.category(0))
            drawing.strokeRectangle(x: x, y: y, width: 160, height: 16, colour: .grey, lineWidth: 0.5)
            drawing.text(String(format: "%.1f%%  ", 100 * score.probability) + score.label, x: x + 170, y: y + 13, size: 12,
                         maxWidth: width - 170)
        }
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
