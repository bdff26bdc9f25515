import ArrayFiles

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
public struct CanvasError: FileProblem {
    public let file: String
    /// Where in the file, when the problem has a place.
    public let place: SourceLocation?
    public let problem: String

    public init(_ file: String, at place: SourceLocation?, _ problem: String) {
        (self.file, self.place, self.problem) = (file, place, problem)
    }

    public var location: String? { place?.description }
}
