/// A model that cannot be built, loaded or run, with what was expected.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
