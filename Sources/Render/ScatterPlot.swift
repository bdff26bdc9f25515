import ArrayFiles
import CCairo
import Foundation

/// A scatter plot of a 1-D or 2-D layout drawn with Cairo, one dot per point, coloured by an
/// optional integer label (20 distinct colours, cycling). 1-D layouts are spread vertically
/// by a fixed pseudo-random jitter so that dense stretches stay readable.
public struct ScatterPlot {
    public var size = 1200
    /// Dot radius in pixels; nil picks one from the number of points.
    public var radius: Double? = nil
    public var margin = 24.0

    public init() {}

    /// The plot as PNG bytes. `coordinates` holds `count` rows of `dimension` (1 or 2) values.
    public func png(coordinates: [Float], dimension: Int, labels: [Int]? = nil) throws -> Data {
        guard dimension == 1 || dimension == 2, coordinates.count % dimension == 0 else {
            throw ScatterPlotError("expected N x 1 or N x 2 coordinates, got \(coordinates.count) values in \(dimension) columns")
        }
        let count = coordinates.count / dimension
        if let labels, labels.count != count {
            throw ScatterPlotError("\(labels.count) labels for \(count) points")
        }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(size), Int32(size)) else {
            throw ScatterPlotError("cannot create a \(size) x \(size) image")
        }
        defer { cairo_surface_destroy(surface) }
        let context = cairo_create(surface)
        defer { cairo_destroy(context) }
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)

        let xs = (0..<count).map { Double(coordinates[$0 * dimension]) }
        let ys = dimension == 2 ? (0..<count).map { Double(coordinates[$0 * dimension + 1]) } : (0..<count).map(jitter)
        let toPixelX = axis(xs), toPixelY = axis(ys)
        let dot = radius ?? max(0.6, min(4, 600 / Double(max(count, 1)).squareRoot()))
        // Draw in label order so that colours group into few source changes.
        let order = labels.map { labels in (0..<count).sorted { labels[$0] < labels[$1] } } ?? Array(0..<count)
        var current = Int.min
        for i in order {
            let label = labels?[i] ?? 0
            if label != current {
                cairo_fill(context)
                let (r, g, b) = Self.colour(label)
                cairo_set_source_rgba(context, r, g, b, 0.8)
                current = label
            }
            let x = toPixelX(xs[i]), y = Double(size) - toPixelY(ys[i])
            cairo_new_sub_path(context)
            cairo_arc(context, x, y, dot, 0, 2 * .pi)
        }
        cairo_fill(context)
        cairo_surface_flush(surface)
        return try encodePNG(surface)
    }

    /// Writes the plot to `path` atomically.
    public func write(to path: String, coordinates: [Float], dimension: Int, labels: [Int]? = nil) throws {
        try writeAtomically(png(coordinates: coordinates, dimension: dimension, labels: labels), to: path)
    }

    /// Maps a data axis onto the pixels inside the margins (constant data lands mid-way).
    private func axis(_ values: [Double]) -> (Double) -> Double {
        let low = values.min() ?? 0, high = values.max() ?? 1
        let span = high > low ? high - low : 1
        let usable = Double(size) - 2 * margin
        return { value in margin + (high > low ? (value - low) / span : 0.5) * usable }
    }

    private func jitter(_ i: Int) -> Double {
        var x = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 31
        x &*= 0xBF58_476D_1CE4_E5B9
        x ^= x >> 29
        return Double(x >> 11) / 9_007_199_254_740_992.0
    }

    /// Tableau's 20 colours.
    static func colour(_ label: Int) -> (Double, Double, Double) {
        let palette: [UInt32] = [0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f,
                                 0xbcbd22, 0x17becf, 0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896, 0xc5b0d5, 0xc49c94,
                                 0xf7b6d2, 0xc7c7c7, 0xdbdb8d, 0x9edae5]
        let rgb = palette[((label % palette.count) + palette.count) % palette.count]
        return (Double(rgb >> 16 & 0xff) / 255, Double(rgb >> 8 & 0xff) / 255, Double(rgb & 0xff) / 255)
    }
}

/// A scatter plot that could not be drawn.
public struct ScatterPlotError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = "scatter plot: " + description }
}

/// Collects the bytes Cairo streams out.
private final class PNGBuffer {
    var data = Data()
}

private func encodePNG(_ surface: OpaquePointer) throws -> Data {
    let buffer = PNGBuffer()
    let status = withExtendedLifetime(buffer) {
        cairo_surface_write_to_png_stream(surface, { closure, bytes, length in
            guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<PNGBuffer>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
            return CAIRO_STATUS_SUCCESS
        }, Unmanaged.passUnretained(buffer).toOpaque())
    }
    guard status == CAIRO_STATUS_SUCCESS else {
        throw ScatterPlotError("PNG encoding failed: \(String(cString: cairo_status_to_string(status)))")
    }
    return buffer.data
}
