import ArrayFiles
/// A file whose bytes are not what its format promises: the file (and, for a file inside a
/// container, the member) and what was wrong.
public struct DataFormatError: FileProblem, Equatable {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
}
