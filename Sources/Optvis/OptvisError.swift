/// A feature-visualization failure: bad shapes, indices or settings, with a message that names
/// what was expected.
public struct OptvisError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
