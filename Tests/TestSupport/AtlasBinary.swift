import Foundation

/// The built `atlas` executable, run as a user runs it.
public enum AtlasBinary {
    /// What one run printed and how it ended.
    public struct Result {
        public let status: Int32
        /// True when a signal ended it (a crash), not an exit.
        public let signalled: Bool
        public let output: String
        public let errors: String

        /// Standard error's lines, without empty ones.
        public var errorLines: [String] { errors.split(separator: "\n").map(String.init) }
    }

    /// The executable beside the test bundle (swift build puts products and tests in one folder).
    public static func path() throws -> String {
        let folders = Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() } + [Bundle.main.bundleURL]
        for folder in folders {
            let candidate = folder.appendingPathComponent("atlas").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestFailure("no atlas executable beside the tests in \(folders.map(\.path)): build it first (swift build)")
    }

    /// Runs `atlas arguments...` in the repository's root; `closeOutput` closes the read end of
    /// its standard output before it writes (a reader that went away).
    public static func run(_ arguments: [String], closeOutput: Bool = false) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path())
        process.arguments = arguments
        process.currentDirectoryURL = TestFiles.repository
        let folder = try TestFiles.temporaryFolder("cli-run")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (outputPath, errorsPath) = (folder + "/out", folder + "/err")
        FileManager.default.createFile(atPath: errorsPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: errorsPath)
        let pipe = Pipe()
        if closeOutput {
            process.standardOutput = pipe
        } else {
            FileManager.default.createFile(atPath: outputPath, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if closeOutput {
            try pipe.fileHandleForReading.close()
            try pipe.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return Result(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                      output: read(outputPath), errors: read(errorsPath))
    }
}
