import ArrayFiles
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
        let drawing = try Drawing(width: size, height: size)
        let xs = (0..<count).map { Double(coordinates[$0 * dimension]) }
        let ys = dimension == 2 ? (0..<count).map { Double(coordinates[$0 * dimension + 1]) } : (0..<count).map(jitter)
        let toPixelX = axis(xs), toPixelY = axis(ys)
        let dot = radius ?? max(0.6, min(4, 600 / Double(max(count, 1)).squareRoot()))
        // One fill per label, so that colours group into few source changes.
        let groups = Dictionary(grouping: 0..<count) { labels?[$0] ?? 0 }
        for label in groups.keys.sorted() {
            let centres = groups[label]!.map { (x: toPixelX(xs[$0]), y: Double(size) - toPixelY(ys[$0])) }
            drawing.fillCircles(centres: centres, radius: dot, colour: .category(label), opacity: 0.8)
        }
        return try drawing.png()
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

}

/// A scatter plot that could not be drawn.
public struct ScatterPlotError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = "scatter plot: " + description }
}
