/// The layout's normalisation into the unit square (ALGORITHMS.md section 4): per axis, lo = the
/// 1st and hi = the 99th percentile, both widened by 10% of (hi - lo), then clip and scale to
/// [0, 1]. The few outliers UMAP throws far away land on the border instead of shrinking the
/// rest of the atlas into a corner.
public struct LayoutNormalisation: Sendable, Equatable {
    public var lowPercentile: Double = 1
    public var highPercentile: Double = 99
    /// The fraction of (hi - lo) added on each side.
    public var widening: Double = 0.1

    public init() {}

    /// `points` [count, dimension] row by row, normalised per axis into [0, 1]. An axis where
    /// every point lies at one value maps to 0.5.
    public func normalise(_ points: [Float], dimension: Int) -> [Float] {
        guard dimension > 0, !points.isEmpty else { return points }
        let count = points.count / dimension
        var result = points
        for axis in 0..<dimension {
            let sorted = (0..<count).map { points[$0 * dimension + axis] }.sorted()
            let (lo, hi) = (Self.percentile(sorted, lowPercentile), Self.percentile(sorted, highPercentile))
            let margin = widening * (hi - lo)
            let (low, high) = (lo - margin, hi + margin)
            for i in 0..<count {
                let value = Double(points[i * dimension + axis])
                result[i * dimension + axis] = high > low ? Float(min(max((value - low) / (high - low), 0), 1)) : 0.5
            }
        }
        return result
    }

    /// The `p`-th percentile (0...100) of ascending `sorted` values, interpolating linearly
    /// between neighbours as numpy's default.
    static func percentile(_ sorted: [Float], _ p: Double) -> Double {
        guard sorted.count > 1 else { return sorted.first.map(Double.init) ?? 0 }
        let position = min(max(p, 0), 100) / 100 * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return Double(sorted[below]) * (1 - fraction) + Double(sorted[above]) * fraction
    }
}
