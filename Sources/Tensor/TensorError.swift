/// A tensor, graph or oneDNN failure, with a message that names what was expected.
public struct TensorError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
