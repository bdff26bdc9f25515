import Foundation
import Imaging
import Render

/// The picture of a ranking: each hit's photo as the index saw it (`IndexView.fitted` at the
/// hit's scale), the matched region outlined, with its rank, score and file name.
public enum ContactSheet {
    /// Draws `hits` in rows of `perRow` tiles of `tile` pixels. `stride` is the layer's input
    /// pixels per grid cell; the query's size gives the outline's size.
    public static func draw(_ hits: [SearchHit], queryRows: Int, queryColumns: Int, stride: Int, title: String,
                            tile: Int = 200, perRow: Int = 4) throws -> Drawing {
        let (margin, caption, header) = (8.0, 34.0, 30.0)
        let columns = max(1, min(perRow, hits.count)), rows = max(1, (hits.count + columns - 1) / columns)
        let side = Double(tile)
        let drawing = try Drawing(width: Int(margin + Double(columns) * (side + margin)),
                                  height: Int(header + Double(rows) * (side + caption + margin)))
        drawing.text(title, x: margin, y: 20, size: 14, bold: true, maxWidth: Double(drawing.width) - 2 * margin)
        for (rank, hit) in hits.enumerated() {
            let x = margin + Double(rank % columns) * (side + margin)
            let y = header + Double(rank / columns) * (side + caption + margin)
            if let photo = try? decodeImage(at: hit.path) {
                drawing.draw(IndexView.fitted(photo, side: hit.side), x: x, y: y, width: side, height: side)
                let cell = side * Double(stride) / Double(hit.side)
                let outline = (x: x + Double(hit.column) * cell, y: y + Double(hit.row) * cell,
                               width: Double(queryColumns) * cell, height: Double(queryRows) * cell)
                drawing.strokeRectangle(x: outline.x, y: outline.y, width: outline.width, height: outline.height,
                                        colour: .black, lineWidth: 4, opacity: 0.6)
                drawing.strokeRectangle(x: outline.x, y: outline.y, width: outline.width, height: outline.height,
                                        colour: Colour(hex: 0xffd400), lineWidth: 2)
            } else {
                drawing.fillRectangle(x: x, y: y, width: side, height: side, colour: .grey, opacity: 0.3)
                drawing.text("cannot read the photo", x: x + 8, y: y + side / 2, size: 11)
            }
            let score = String(format: "#%d  %.3f  at %d,%d  %dpx", rank + 1, hit.score, hit.row, hit.column, hit.side)
            drawing.text(score, x: x, y: y + side + 14, size: 11, bold: true, maxWidth: side)
            drawing.text(URL(fileURLWithPath: hit.path).lastPathComponent, x: x, y: y + side + 28, size: 10, colour: .grey,
                         maxWidth: side)
        }
        return drawing
    }
}
