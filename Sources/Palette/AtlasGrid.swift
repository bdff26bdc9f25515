/// A G x G grid over the unit square and the samples in each cell (ALGORITHMS.md section 5).
/// Point (x, y) falls in column floor(x G) and grid row floor(y G) (1 on the top or right
/// border stays in the last cell); the picture draws grid row y at row G - 1 - y from the top,
/// so that y grows upwards as in a plot. Cells are indexed row by row from the top left.
public struct AtlasGrid: Sendable {
    public let size: Int
    /// For each cell (row * size + column, rows from the top), the samples in it, ascending.
    public let members: [[Int]]

    /// Assigns the points of a normalised layout [count, 2] (x, y in [0, 1]) to the cells.
    public init(layout: [Float], size: Int) throws {
        guard size > 0 else { throw PaletteError("the grid needs at least one cell per side, got \(size)") }
        guard layout.count % 2 == 0 else { throw PaletteError("a 2-D layout needs an even number of values, got \(layout.count)") }
        var members = [[Int]](repeating: [], count: size * size)
        for point in 0..<layout.count / 2 {
            let (x, y) = (layout[2 * point], layout[2 * point + 1])
            guard x.isFinite, y.isFinite else { throw PaletteError("layout point \(point) is not finite: (\(x), \(y))") }
            let (column, row) = Self.cell(x: x, y: y, size: size)
            members[row * size + column].append(point)
        }
        (self.size, self.members) = (size, members)
    }

    /// The (column, row from the top) of the cell holding (x, y).
    public static func cell(x: Float, y: Float, size: Int) -> (column: Int, row: Int) {
        func index(_ value: Float) -> Int { min(max(Int((value * Float(size)).rounded(.down)), 0), size - 1) }
        return (index(x), size - 1 - index(y))
    }

    /// The cells holding at least `minDensity` samples, row by row from the top left.
    public func keptCells(minDensity: Int) -> [(column: Int, row: Int, members: [Int])] {
        members.enumerated().compactMap { index, members in
            members.count >= max(minDensity, 1) ? (index % size, index / size, members) : nil
        }
    }
}
