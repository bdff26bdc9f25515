/// A place in a canvas file: 1-based line and column.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        (self.line, self.column) = (line, column)
    }

    public var description: String { "\(line):\(column)" }
}

/// A canvas file that cannot be read, parsed or resolved, described as `file:line:column: what`
/// (the form editors and terminals link to the place).
public struct CanvasError: Error, CustomStringConvertible {
    public let path: String
    /// Where in the file, when the problem has a place.
    public let location: SourceLocation?
    public let message: String

    public init(_ path: String, at location: SourceLocation?, _ message: String) {
        (self.path, self.location, self.message) = (path, location, message)
    }

    public var description: String {
        location.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)"
    }
}
