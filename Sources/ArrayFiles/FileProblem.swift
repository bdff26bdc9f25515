/// The one shape of an error about an input a user gave (a file, a folder, an argument): which
/// one, where in it when that is known (line:column, a tensor, a member), and what is wrong or
/// was expected. Printed `file[:where]: problem`, on one line: how the CLI reports it. Each kind
/// of file keeps its own type (so callers can catch it) and conforms to this.
public protocol FileProblem: Error, CustomStringConvertible {
    /// The file, folder or argument at fault.
    var file: String { get }
    /// Where in it, when that is known.
    var location: String? { get }
    /// What is wrong with it, or what was expected.
    var problem: String { get }
}

extension FileProblem {
    public var location: String? { nil }

    public var description: String {
        (location.map { "\(file):\($0)" } ?? file) + ": " + problem
    }
}
