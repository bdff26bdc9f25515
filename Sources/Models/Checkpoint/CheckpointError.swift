import ArrayFiles
/// A checkpoint that cannot be read, or that does not hold what was asked of it. `description`
/// names the file and, where one is concerned, the tensor or storage key and what was expected.
public struct CheckpointError: FileProblem {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
}

/// A problem found while decoding a checkpoint's bytes. The decoders do not know the file's path;
/// `TorchCheckpoint.load` turns this into a `CheckpointError` that names it.
struct FormatProblem: Error {
    let message: String

    init(_ message: String) { self.message = message }
}

/// Runs `body`, prefixing the message of any `FormatProblem` it throws with `context` (the part
/// of the file being read, e.g. "tensor 'fc.weight'").
func within<T>(_ context: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let problem as FormatProblem {
        throw FormatProblem("\(context()): \(problem.message)")
    }
}
