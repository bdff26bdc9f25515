import ArrayFiles

/// An image that could not be read, decoded or encoded: names the file and what is wrong.
public struct ImageError: FileProblem {
    /// The file (or the name given to in-memory data).
    public let file: String
    /// What is wrong with it.
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
}
