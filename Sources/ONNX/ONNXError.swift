/// A problem with an ONNX model or its card: the message names the file, and the node, tensor
/// or key involved.
public struct ONNXError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
