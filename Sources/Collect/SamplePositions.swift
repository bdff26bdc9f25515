import Optvis

/// A position in a layer's spatial grid.
public struct GridPosition: Hashable, Sendable {
    public let row: Int
    public let column: Int
    public init(row: Int, column: Int) { (self.row, self.column) = (row, column) }
}

/// Where in a layer's grid the samples of one image view are taken.
public enum SamplePositions {
    /// The positions sampling draws from: the interior of the grid, skipping the border rows and
    /// columns as lucid and captum do (their receptive fields run off the image), where the grid
    /// has an interior (at least 3x3); otherwise every position. Row by row.
    public static func candidates(height: Int, width: Int) -> [GridPosition] {
        let border = height >= 3 && width >= 3 ? 1 : 0
        return (border..<height - border).flatMap { row in
            (border..<width - border).map { GridPosition(row: row, column: $0) }
        }
    }

    /// `count` distinct positions drawn uniformly from `candidates(height:width:)` (a partial
    /// Fisher-Yates shuffle), in draw order. `count` must not exceed the number of candidates.
    public static func draw(_ count: Int, height: Int, width: Int, using generator: inout SeededGenerator) -> [GridPosition] {
        var pool = candidates(height: height, width: width)
        precondition(count <= pool.count, "draw: \(count) positions asked of \(pool.count)")
        for index in 0..<count {
            pool.swapAt(index, index + generator.index(below: pool.count - index))
        }
        return Array(pool.prefix(count))
    }
}
