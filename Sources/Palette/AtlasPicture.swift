import Foundation
import Imaging
import Render

/// The picture of a palette (ALGORITHMS.md section 7): each kept cell's icon on its grid square,
/// white elsewhere, under a title with the model, layer and samples. The whole atlas fades each
/// icon by its density, min(1, sqrt(count / mean count)), and labels cells with their most
/// attributed class where the label changes; the class view sets each icon's opacity to its
/// cell's attribution to one class, over the largest.
public struct AtlasPicture {
    public let palette: Palette
    /// The side of the grid in pixels.
    public let side: Int
    /// The class of the class view (index and label), or nil for the whole atlas.
    public let focus: (index: Int, label: String)?

    public init(palette: Palette, side: Int? = nil, focus: (index: Int, label: String)? = nil) throws {
        let side = side ?? palette.description.grid * palette.description.parameters.iconSize
        guard side >= palette.description.grid, side <= 16_000 else {
            throw PaletteError("an atlas of \(palette.description.grid) cells per side needs a side of \(palette.description.grid) to "
                + "16000 pixels, got \(side)")
        }
        (self.palette, self.side, self.focus) = (palette, side, focus)
    }

    /// The opacity of each cell's icon.
    public func opacities() throws -> [Double] {
        if let focus { return Self.classOpacities(try palette.attributions(toClass: focus.index)) }
        return Self.densityOpacities(palette.description.cells.map(\.count))
    }

    /// min(1, sqrt(count / mean count)) for each cell.
    public static func densityOpacities(_ counts: [Int]) -> [Double] {
        let mean = Double(counts.reduce(0, +)) / Double(max(counts.count, 1))
        return counts.map { mean > 0 ? min(1, (Double($0) / mean).squareRoot()) : 1 }
    }

    /// max(0, a) / max(a) for each cell's attribution a; all 0 when no cell's is positive.
    public static func classOpacities(_ attributions: [Float]) -> [Double] {
        let largest = Double(attributions.max() ?? 0)
        return attributions.map { largest > 0 ? max(0, Double($0)) / largest : 0 }
    }

    /// The cells to label: those whose label differs from the cells left of and above them (a
    /// missing neighbour differs), unless the cell on the left is labelled already.
    public static func labelledCells(_ cells: [PaletteCell]) -> [Int] {
        var labelAt: [Int: String] = [:], grid = 0
        for cell in cells { grid = max(grid, cell.column + 1, cell.row + 1) }
        for cell in cells { labelAt[cell.row * grid + cell.column] = cell.label }
        var labelled = Set<Int>()
        var result: [Int] = []
        for (index, cell) in cells.enumerated().sorted(by: { ($0.element.row, $0.element.column) < ($1.element.row, $1.element.column) }) {
            guard !cell.label.isEmpty else { continue }
            let left = cell.column > 0 ? labelAt[cell.row * grid + cell.column - 1] : nil
            let above = cell.row > 0 ? labelAt[(cell.row - 1) * grid + cell.column] : nil
            let leftLabelled = cell.column > 0 && labelled.contains(cell.row * grid + cell.column - 1)
            guard left != cell.label, above != cell.label, !leftLabelled else { continue }
            labelled.insert(cell.row * grid + cell.column)
            result.append(index)
        }
        return result.sorted()
    }

    /// Draws the picture.
    public func draw() throws -> Drawing {
        let d = palette.description
        let margin = 12.0, cell = Double(side) / Double(d.grid)
        let warning = palette.unreliableLabelsWarning
        let header = margin + 18 + 15 + (warning == nil ? 0 : 15) + 8
        let drawing = try Drawing(width: side + 2 * Int(margin), height: Int(header + Double(side) + margin))
        let samples = NumberFormatter.localizedString(from: NSNumber(value: d.samples), number: .decimal)
        drawing.text("\(d.model) · \(d.layer) · \(samples) samples from \(d.images) images · \(d.grid) x \(d.grid) grid, "
                     + "\(d.cells.count) cells", x: margin, y: margin + 14, size: 15, bold: true, maxWidth: Double(side))
        let opacities = try opacities()
        let subtitle: String
        if let focus {
            let best = opacities.indices.max { opacities[$0] < opacities[$1] }
            let attributions = try palette.attributions(toClass: focus.index)
            subtitle = "class view: opacity = each cell's mean attribution to '\(ClassLookup.shortName(focus.label))' over the largest"
                + (best.map { opacities[$0] > 0 ? String(format: " (%.3g, cell %d,%d)", attributions[$0], d.cells[$0].column, d.cells[$0].row)
                                                : " (no cell attributes to it)" } ?? "")
        } else {
            subtitle = "opacity: sample density · labels: each cell's most attributed class, where it changes"
        }
        drawing.text(subtitle, x: margin, y: margin + 31, size: 11, colour: .grey, maxWidth: Double(side))
        if let warning { drawing.text("note: " + warning, x: margin, y: margin + 46, size: 11, colour: Colour(hex: 0xb03020), maxWidth: Double(side)) }
        for (index, item) in d.cells.enumerated() {
            let iconFile = palette.path(item.icon)
            guard FileManager.default.fileExists(atPath: iconFile) else {
                throw PaletteError("\(iconFile): the icon of cell \(item.column),\(item.row) is missing (rerun `atlas palette build`)")
            }
            drawing.draw(try decodeImage(at: iconFile), x: margin + Double(item.column) * cell, y: header + Double(item.row) * cell,
                         width: cell, height: cell, opacity: opacities[index])
        }
        guard focus == nil else { return drawing }
        let size = min(11, max(7, cell * 0.14))
        for index in Self.labelledCells(d.cells) {
            let item = d.cells[index]
            let text = ClassLookup.shortName(item.label)
            let width = min(drawing.textWidth(text, size: size), cell - 2)
            let (x, y) = (margin + Double(item.column) * cell + 1, header + Double(item.row + 1) * cell - 2)
            drawing.fillRectangle(x: x, y: y - size, width: width + 2, height: size + 2, colour: .white, opacity: 0.75)
            drawing.text(text, x: x + 1, y: y - 1, size: size, colour: item.hasReliableLabel ? .black : .grey, maxWidth: cell - 3)
        }
        return drawing
    }
}
