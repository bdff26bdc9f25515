/// The distance between input points.
public enum Metric: String, Sendable, CaseIterable {
    /// Straight-line distance.
    case euclidean
    /// 1 - cos(angle): rows are compared by direction only.
    case cosine

    /// Internally every metric is a squared euclidean distance (after normalising the rows for
    /// cosine); this turns that back into the metric's own distance.
    @inline(__always) func distance(fromSquared squared: Float) -> Float {
        switch self {
        case .euclidean: return squared.squareRoot()
        case .cosine: return min(2, squared * 0.5)  // |a - b|^2 = 2 - 2 cos for unit rows
        }
    }
}
