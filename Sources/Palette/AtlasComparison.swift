import Foundation
import Imaging
import Render

/// Several palettes' atlas pictures side by side, each at the same side, for the article's
/// figure of one class followed through the layers: with a focus class every picture is its
/// class view (each icon's opacity its cell's mean attribution to the class over the largest).
public struct AtlasComparison {
    public let pictures: [AtlasPicture]

    /// `side`: each atlas grid's side in pixels (default 448).
    public init(palettes: [Palette], side: Int = 448, focus: (index: Int, label: String)? = nil) throws {
        guard !palettes.isEmpty else { throw PaletteError("no palette to draw") }
        pictures = try palettes.map { try AtlasPicture(palette: $0, side: side, focus: focus) }
    }

    /// The pictures in a row under a title, each captioned with its model and layer.
    public func draw() throws -> Drawing {
        let images = try pictures.map { picture in try decodeImage(try picture.draw().png(), name: picture.palette.folder) }
        let margin = 16.0, gap = 12.0, header = 40.0, caption = 24.0
        let width = margin * 2 + images.reduce(0) { $0 + Double($1.width) } + gap * Double(images.count - 1)
        let height = header + Double(images.map(\.height).max()!) + caption + margin
        let drawing = try Drawing(width: Int(width.rounded(.up)), height: Int(height.rounded(.up)))
        let title = pictures[0].focus.map { "\($0.label): the class view of each layer's atlas" } ?? "atlases side by side"
        drawing.text(title, x: margin, y: 28, size: 18, bold: true, maxWidth: width - 2 * margin)
        var x = margin
        for (picture, image) in zip(pictures, images) {
            drawing.draw(image, x: x, y: header, width: Double(image.width), height: Double(image.height))
            let d = picture.palette.description
            drawing.text("\(d.model) \(d.layer) (\(d.cells.count) cells)", x: x, y: header + Double(image.height) + 18, size: 13,
                         colour: .grey, maxWidth: Double(image.width))
            x += Double(image.width) + gap
        }
        return drawing
    }
}
