/// A drawn query: rows x columns cells, each a vector in the layer's channel space or free (nil:
/// matches anything and does not count). Vectors are kept L2-normalised, so the score of a
/// placement is a mean of cosines.
public struct GridQuery: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let channels: Int
    /// rows * columns cells, row by row; nil = free. Each set cell has unit length.
    public let cells: [[Float]?]

    /// `cells` row by row (rows * columns of them), nil for a free cell. At least one cell must
    /// be set, all set cells must have the same length and none may be all zeros.
    public init(rows: Int, columns: Int, cells: [[Float]?]) throws {
        guard rows > 0, columns > 0, cells.count == rows * columns else {
            throw SearchError("a \(rows) x \(columns) query needs \(max(0, rows * columns)) cells, got \(cells.count)")
        }
        let set = cells.compactMap { $0 }
        guard let channels = set.first?.count else { throw SearchError("the query has only free cells: draw at least one") }
        var normalised: [[Float]?] = []
        for (index, cell) in cells.enumerated() {
            guard let cell else { normalised.append(nil); continue }
            guard cell.count == channels else {
                throw SearchError("query cell (row \(index / columns), column \(index % columns)) has \(cell.count) channels, "
                    + "others have \(channels)")
            }
            let norm = cell.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0, norm.isFinite else {
                throw SearchError("query cell (row \(index / columns), column \(index % columns)) is all zeros or not finite: "
                    + "it has no direction to match")
            }
            normalised.append(cell.map { $0 / norm })
        }
        (self.rows, self.columns, self.channels, self.cells) = (rows, columns, channels, normalised)
    }

    /// A 1 x 1 query: one vector (a palette cell, a brush).
    public init(vector: [Float]) throws {
        try self.init(rows: 1, columns: 1, cells: [vector])
    }

    /// The set cells as (row, column, unit vector).
    public var setCells: [(row: Int, column: Int, vector: [Float])] {
        cells.enumerated().compactMap { index, cell in cell.map { (index / columns, index % columns, $0) } }
    }
}
