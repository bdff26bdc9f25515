/// A file whose bytes are not what its format promises: the file (and, for a file inside a
/// container, the member) and what was wrong.
public struct DataFormatError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
