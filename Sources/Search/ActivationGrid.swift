import Tensor

/// One image's activations at one layer: a vector of `channels` floats at each of rows x columns
/// positions, stored position by position (`values[(row * columns + column) * channels + c]`).
public struct ActivationGrid: Sendable, Equatable {
    public let channels: Int
    public let rows: Int
    public let columns: Int
    public let values: [Float]

    public init(channels: Int, rows: Int, columns: Int, values: [Float]) throws {
        guard channels > 0, rows > 0, columns > 0, values.count == channels * rows * columns else {
            throw SearchError("an activation grid of \(rows) x \(columns) positions and \(channels) channels needs "
                + "\(rows * columns * channels) values, got \(values.count)")
        }
        (self.channels, self.rows, self.columns, self.values) = (channels, rows, columns, values)
    }

    /// The grids of a layer output [N, C, H, W], one per batch item, transposed to position-major.
    public static func grids(fromLayerOutput output: Tensor) throws -> [ActivationGrid] {
        guard output.rank == 4 else {
            throw SearchError("expected a layer output [N, C, H, W], got shape \(output.shape); pick a convolutional layer")
        }
        let (count, channels, rows, columns) = (output.shape[0], output.shape[1], output.shape[2], output.shape[3])
        let positions = rows * columns
        return try (0..<count).map { item in
            var values = [Float](repeating: 0, count: channels * positions)
            let base = item * channels * positions
            for channel in 0..<channels {
                for position in 0..<positions {
                    values[position * channels + channel] = output.values[base + channel * positions + position]
                }
            }
            return try ActivationGrid(channels: channels, rows: rows, columns: columns, values: values)
        }
    }

    /// The vector at a position.
    public func vector(row: Int, column: Int) -> ArraySlice<Float> {
        let start = (row * columns + column) * channels
        return values[start..<start + channels]
    }

    /// The mean vector over all positions (the global average pool).
    public var mean: [Float] {
        var sum = [Float](repeating: 0, count: channels)
        for position in 0..<rows * columns {
            for channel in 0..<channels { sum[channel] += values[position * channels + channel] }
        }
        return sum.map { $0 / Float(rows * columns) }
    }

    /// The query made of rows `rows` and columns `columns` of the grid (every cell set).
    public func region(rows selectedRows: Range<Int>, columns selectedColumns: Range<Int>) throws -> GridQuery {
        guard !selectedRows.isEmpty, !selectedColumns.isEmpty, selectedRows.lowerBound >= 0, selectedColumns.lowerBound >= 0,
              selectedRows.upperBound <= rows, selectedColumns.upperBound <= columns else {
            throw SearchError("region rows \(selectedRows.lowerBound)..<\(selectedRows.upperBound), columns "
                + "\(selectedColumns.lowerBound)..<\(selectedColumns.upperBound) is not inside the \(rows) x \(columns) grid")
        }
        let cells: [[Float]?] = selectedRows.flatMap { row in selectedColumns.map { Array(vector(row: row, column: $0)) } }
        return try GridQuery(rows: selectedRows.count, columns: selectedColumns.count, cells: cells)
    }
}

/// A search or index that could not be made, read or run.
public struct SearchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
