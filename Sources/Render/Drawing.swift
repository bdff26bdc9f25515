import ArrayFiles
import CCairo
import Foundation
import Imaging

/// A Cairo drawing on a white (or given) background, for the pictures atlas makes: atlases,
/// painting sheets, contact sheets. Coordinates are pixels from the top left. Not thread-safe.
public final class Drawing {
    public let width: Int
    public let height: Int
    private let surface: OpaquePointer
    private let context: OpaquePointer

    /// A `width` x `height` drawing filled with `background` (RGB in [0, 1]).
    public init(width: Int, height: Int, background: Colour = .white) throws {
        guard width > 0, height > 0, width <= 32_767, height <= 32_767,
              let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw DrawingError("cannot create a \(width) x \(height) drawing")
        }
        (self.width, self.height, self.surface) = (width, height, surface)
        context = cairo_create(surface)
        fillRectangle(x: 0, y: 0, width: Double(width), height: Double(height), colour: background)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    /// Draws `image` scaled into the rectangle, with `opacity` in [0, 1]. `smooth` picks bilinear
    /// filtering; without it pixels stay sharp squares (for enlarged icons and grids).
    public func draw(_ image: RGBImage, x: Double, y: Double, width: Double, height: Double,
                     opacity: Double = 1, smooth: Bool = true) {
        guard image.width > 0, image.height > 0, width > 0, height > 0, opacity > 0 else { return }
        let stride = Int(cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, Int32(image.width)))
        guard let source = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(image.width), Int32(image.height)) else { return }
        defer { cairo_surface_destroy(source) }
        cairo_surface_flush(source)
        let data = cairo_image_surface_get_data(source)!
        for row in 0..<image.height {
            let line = (data + row * stride).withMemoryRebound(to: UInt32.self, capacity: image.width) { $0 }
            for column in 0..<image.width {
                let p = (row * image.width + column) * 3
                line[column] = UInt32(image.pixels[p]) << 16 | UInt32(image.pixels[p + 1]) << 8 | UInt32(image.pixels[p + 2])
            }
        }
        cairo_surface_mark_dirty(source)
        cairo_save(context)
        cairo_rectangle(context, x, y, width, height)
        cairo_clip(context)
        cairo_translate(context, x, y)
        cairo_scale(context, width / Double(image.width), height / Double(image.height))
        cairo_set_source_surface(context, source, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), smooth ? CAIRO_FILTER_BILINEAR : CAIRO_FILTER_NEAREST)
        cairo_paint_with_alpha(context, min(opacity, 1))
        cairo_restore(context)
    }

    public func fillRectangle(x: Double, y: Double, width: Double, height: Double, colour: Colour, opacity: Double = 1) {
        cairo_set_source_rgba(context, colour.red, colour.green, colour.blue, opacity)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    public func strokeRectangle(x: Double, y: Double, width: Double, height: Double, colour: Colour,
                                lineWidth: Double = 1, opacity: Double = 1) {
        cairo_set_source_rgba(context, colour.red, colour.green, colour.blue, opacity)
        cairo_set_line_width(context, lineWidth)
        cairo_rectangle(context, x, y, width, height)
        cairo_stroke(context)
    }

    public func line(from start: (x: Double, y: Double), to end: (x: Double, y: Double), colour: Colour,
                     lineWidth: Double = 1, opacity: Double = 1) {
        cairo_set_source_rgba(context, colour.red, colour.green, colour.blue, opacity)
        cairo_set_line_width(context, lineWidth)
        cairo_move_to(context, start.x, start.y)
        cairo_line_to(context, end.x, end.y)
        cairo_stroke(context)
    }

    /// Filled discs of `radius` at `centres`, in one colour.
    public func fillCircles(centres: [(x: Double, y: Double)], radius: Double, colour: Colour, opacity: Double = 1) {
        cairo_set_source_rgba(context, colour.red, colour.green, colour.blue, opacity)
        for centre in centres {
            cairo_new_sub_path(context)
            cairo_arc(context, centre.x, centre.y, radius, 0, 2 * .pi)
        }
        cairo_fill(context)
    }

    /// Writes `text` with its baseline starting at (x, y) (sans-serif, `size` px). With
    /// `maxWidth`, the text is cut with an ellipsis to fit.
    public func text(_ text: String, x: Double, y: Double, size: Double, colour: Colour = .black,
                     bold: Bool = false, maxWidth: Double? = nil, opacity: Double = 1) {
        selectFont(size: size, bold: bold)
        var shown = text
        if let maxWidth {
            while !shown.isEmpty, textWidth(shown + (shown == text ? "" : "…"), size: size, bold: bold) > maxWidth {
                shown.removeLast()
            }
            if shown != text { shown += "…" }
        }
        cairo_set_source_rgba(context, colour.red, colour.green, colour.blue, opacity)
        cairo_move_to(context, x, y)
        cairo_show_text(context, shown)
    }

    /// The advance width of `text` in pixels at `size`.
    public func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        selectFont(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents.x_advance
    }

    /// The drawing as PNG bytes.
    public func png() throws -> Data {
        cairo_surface_flush(surface)
        let buffer = PNGBuffer()
        let status = withExtendedLifetime(buffer) {
            cairo_surface_write_to_png_stream(surface, { closure, bytes, length in
                guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
                Unmanaged<PNGBuffer>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(buffer).toOpaque())
        }
        guard status == CAIRO_STATUS_SUCCESS else {
            throw DrawingError("PNG encoding failed: \(String(cString: cairo_status_to_string(status)))")
        }
        return buffer.data
    }

    /// Writes the drawing as a PNG file, atomically.
    public func writePNG(to path: String) throws {
        try writeAtomically(png(), to: path)
    }

    private func selectFont(size: Double, bold: Bool) {
        cairo_select_font_face(context, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
    }
}

/// An RGB colour with components in [0, 1].
public struct Colour: Sendable, Equatable {
    public let red: Double
    public let green: Double
    public let blue: Double

    public init(red: Double, green: Double, blue: Double) {
        (self.red, self.green, self.blue) = (red, green, blue)
    }

    /// From 0xRRGGBB.
    public init(hex: UInt32) {
        self.init(red: Double(hex >> 16 & 0xff) / 255, green: Double(hex >> 8 & 0xff) / 255, blue: Double(hex & 0xff) / 255)
    }

    public static let white = Colour(red: 1, green: 1, blue: 1)
    public static let black = Colour(red: 0, green: 0, blue: 0)
    public static let grey = Colour(red: 0.5, green: 0.5, blue: 0.5)

    /// Tableau's 20 colours, cycling by `index`.
    public static func category(_ index: Int) -> Colour {
        let palette: [UInt32] = [0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f,
                                 0xbcbd22, 0x17becf, 0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896, 0xc5b0d5, 0xc49c94,
                                 0xf7b6d2, 0xc7c7c7, 0xdbdb8d, 0x9edae5]
        return Colour(hex: palette[((index % palette.count) + palette.count) % palette.count])
    }

    /// A blue-white-red diverging scale for `value` in [-1, 1] (clamped), white at 0; or, for
    /// `value` in [0, 1] with `sequential`, white to dark green.
    public static func scale(_ value: Double, sequential: Bool = false) -> Colour {
        let v = min(max(value, -1), 1)
        if sequential {
            let t = max(v, 0)
            return Colour(red: 1 - 0.9 * t, green: 1 - 0.45 * t, blue: 1 - 0.8 * t)
        }
        return v >= 0 ? Colour(red: 1, green: 1 - 0.8 * v, blue: 1 - 0.8 * v) : Colour(red: 1 + 0.8 * v, green: 1 + 0.8 * v, blue: 1)
    }
}

/// A drawing that could not be made or written.
public struct DrawingError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = "drawing: " + description }
}

/// Collects the bytes Cairo streams out.
private final class PNGBuffer {
    var data = Data()
}
