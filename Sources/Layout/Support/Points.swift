/// N points in D dimensions, stored row by row (C order), checked to be finite.
public struct Points: Sendable {
    public let count: Int
    public let dimension: Int
    public let values: [Float]

    /// Throws `LayoutError` when `values` does not hold `count * dimension` floats or holds a
    /// NaN or infinity (the error names its row and column).
    public init(count: Int, dimension: Int, values: [Float]) throws {
        guard count >= 0, dimension > 0, values.count == count * dimension else {
            throw LayoutError.shape("expected \(count) x \(dimension) = \(count * dimension) values, got \(values.count)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw LayoutError.nonFinite(row: bad / dimension, column: bad % dimension, value: values[bad])
        }
        self.count = count
        self.dimension = dimension
        self.values = values
    }
}

/// A layout: `count` points in `dimension` (1 or 2) coordinates, row by row.
public struct Embedding: Sendable, Equatable {
    public let count: Int
    public let dimension: Int
    public var values: [Float]
}
