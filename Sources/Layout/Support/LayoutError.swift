/// Why a layout could not be computed, in words a user can act on.
public enum LayoutError: Error, CustomStringConvertible, Equatable {
    case shape(String)
    case nonFinite(row: Int, column: Int, value: Float)
    case tooFewPoints(count: Int, needed: Int, reason: String)
    case invalidOption(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .shape(let detail):
            return "input shape: \(detail)"
        case .nonFinite(let row, let column, let value):
            return "row \(row), column \(column) is \(value); every input value must be finite"
        case .tooFewPoints(let count, let needed, let reason):
            return "\(count) points: at least \(needed) are needed (\(reason))"
        case .invalidOption(let name, let value, let expected):
            return "\(name) = \(value): expected \(expected)"
        }
    }
}
