import Tensor

/// A spatial position of a layer's activation grid.
public enum LayerPosition: Sendable, Equatable {
    /// Row H/2, column W/2 (rounded down), as lucid: for even sizes, the bottom right of the
    /// central 2 x 2.
    case centre
    case at(y: Int, x: Int)

    /// The (row, column) in a height x width grid.
    func resolve(height: Int, width: Int) throws -> (y: Int, x: Int) {
        switch self {
        case .centre:
            return (height / 2, width / 2)
        case .at(let y, let x):
            guard y >= 0, y < height, x >= 0, x < width else {
                throw OptvisError("position (\(y), \(x)) outside a \(height)x\(width) layer")
            }
            return (y, x)
        }
    }
}
