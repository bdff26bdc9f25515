import Foundation
import Imaging
import Palette
import Render

extension PhotoActivationGrid {
    /// The picture `atlas grid` writes: the photo with the layer's grid over it, the icon of every
    /// position at its place, and with a palette the icon of each position's nearest palette cell
    /// with its character, and a legend of the characters (the most read cells first).
    public func picture(title: String, palette: Palette? = nil) throws -> Drawing {
        let margin = 16.0
        let cell = max(24, (448 / Double(max(rows, columns))).rounded(.down))
        let (panelWidth, panelHeight) = (cell * Double(columns), cell * Double(rows))
        let reading = try palette.map { try self.reading(palette: $0) }
        let legendLines = reading.map { min($0.cells.count, 40) } ?? 0
        let legendColumns = 2
        let legendHeight = reading == nil ? 0 : 42 + Double((legendLines + legendColumns - 1) / legendColumns) * 18
        let panels = palette == nil ? 2.0 : 3.0
        let width = margin + panels * (panelWidth + margin), height = 56 + panelHeight + 30 + legendHeight + margin
        let drawing = try Drawing(width: Int(width.rounded(.up)), height: Int(height.rounded(.up)))
        drawing.text(title, x: margin, y: 26, size: 18, bold: true, maxWidth: width - 2 * margin)
        drawing.text("\(layer): \(rows)x\(columns) positions, each rendered as a feature visualisation of its activation"
                     + (palette == nil ? "" : ", and read as its nearest palette cell"),
                     x: margin, y: 46, size: 12, colour: .grey, maxWidth: width - 2 * margin)
        let top = 56.0
        func gridLines(x: Double) {
            for r in 0...rows {
                drawing.line(from: (x, top + Double(r) * cell), to: (x + panelWidth, top + Double(r) * cell), colour: .white, lineWidth: 1, opacity: 0.5)
            }
            for c in 0...columns {
                drawing.line(from: (x + Double(c) * cell, top), to: (x + Double(c) * cell, top + panelHeight), colour: .white, lineWidth: 1, opacity: 0.5)
            }
        }
        // The photo.
        drawing.draw(photo, x: margin, y: top, width: panelWidth, height: panelHeight)
        gridLines(x: margin)
        drawing.text("the photo as the network sees it", x: margin, y: top + panelHeight + 18, size: 12, colour: .grey)
        // Each position's icon.
        let iconsLeft = 2 * margin + panelWidth
        for (position, icon) in icons.enumerated() {
            drawing.draw(icon, x: iconsLeft + Double(position % columns) * cell, y: top + Double(position / columns) * cell,
                         width: cell, height: cell)
        }
        gridLines(x: iconsLeft)
        drawing.text("each position's activation, visualised", x: iconsLeft, y: top + panelHeight + 18, size: 12, colour: .grey)
        guard let palette, let reading else { return drawing }
        // The palette's reading.
        let readingLeft = 3 * margin + 2 * panelWidth
        var paletteIcons: [Int: RGBImage] = [:]
        for (_, cellIndex) in reading.cells {
            let icon = palette.description.cells[cellIndex].icon
            if !icon.isEmpty, let image = try? decodeImage(at: palette.path(icon)) { paletteIcons[cellIndex] = image }
        }
        let cellOfCharacter = Dictionary(uniqueKeysWithValues: reading.cells.map { ($0.character, $0.cell) })
        for (position, character) in reading.grid.enumerated() {
            let (x, y) = (readingLeft + Double(position % columns) * cell, top + Double(position / columns) * cell)
            if let icon = cellOfCharacter[character].flatMap({ paletteIcons[$0] }) {
                drawing.draw(icon, x: x, y: y, width: cell, height: cell)
            }
            let size = min(12, cell * 0.4)
            drawing.fillRectangle(x: x + 1, y: y + 1, width: size * 0.9, height: size * 1.1, colour: .white, opacity: 0.6)
            drawing.text(String(character), x: x + 1.5, y: y + size, size: size)
        }
        gridLines(x: readingLeft)
        drawing.text("the nearest palette cell of each position (its character in the canvas)", x: readingLeft,
                     y: top + panelHeight + 18, size: 12, colour: .grey, maxWidth: panelWidth)
        // The legend.
        let legendTop = top + panelHeight + 44
        let columnWidth = (width - 2 * margin) / Double(legendColumns)
        let counts = Dictionary(grouping: reading.grid, by: { $0 }).mapValues(\.count)
        for (index, (character, cellIndex)) in reading.cells.prefix(legendLines).enumerated() {
            let summary = palette.description.cells[cellIndex]
            let x = margin + Double(index % legendColumns) * columnWidth, y = legendTop + Double(index / legendColumns) * 18
            let label = summary.label.isEmpty ? "unlabelled" : summary.label
            drawing.text("\(character)  cell [\(summary.column), \(summary.row)]  \(label)  (\(counts[character] ?? 0) position\(counts[character] == 1 ? "" : "s"))",
                         x: x, y: y, size: 12, maxWidth: columnWidth - 8)
        }
        if reading.cells.count > legendLines {
            drawing.text("... and \(reading.cells.count - legendLines) more cells", x: margin,
                         y: legendTop + Double((legendLines + 1) / legendColumns) * 18 + 14, size: 12, colour: .grey)
        }
        return drawing
    }
}
