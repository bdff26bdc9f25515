import Foundation

/// The tests' independent references in Python (numpy, Pillow), run from the venv that
/// `scripts/setup` makes (`.deps/venv`), or from `python3` on the PATH when there is none.
public enum Python {
    /// The interpreter's path, or `python3` to be found on the PATH.
    public static let executable: String = {
        let venv = TestFiles.path(".deps/venv/bin/python3")
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }()

    /// Runs `python3 -c script arguments...` and returns its standard output; a non-zero exit
    /// throws with its standard error.
    @discardableResult
    public static func run(_ script: String, _ arguments: [String] = []) throws -> Data {
        try launch(["-c", script] + arguments, what: "python3 -c script")
    }

    /// Runs `python3 Tests/Reference/<file> arguments...`, as `run` does.
    @discardableResult
    public static func runReference(_ file: String, _ arguments: [String] = []) throws -> Data {
        try launch([TestFiles.path("Tests/Reference/\(file)")] + arguments, what: "python3 \(file) \(arguments.joined(separator: " "))")
    }

    /// Runs a numpy script, passing `arrays` as raw little-endian float32 files (`arg0.bin`, ...)
    /// in a temporary folder given as argv[1]; returns the float32 values the script writes to
    /// `out.bin` there.
    public static func numpy(_ script: String, arrays: [[Float]]) throws -> [Float] {
        let folder = try TestFiles.temporaryFolder("numpy")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (i, array) in arrays.enumerated() {
            try array.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: URL(fileURLWithPath: "\(folder)/arg\(i).bin"))
        }
        try run(script, [folder])
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/out.bin"))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    private static func launch(_ arguments: [String], what: String) throws -> Data {
        let process = Process()
        if executable.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        // Standard error goes to a file, so that a chatty script cannot fill a pipe nobody reads yet.
        let errorsPath = FileManager.default.temporaryDirectory.appendingPathComponent("python-\(UUID().uuidString).err").path
        FileManager.default.createFile(atPath: errorsPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: errorsPath)
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let complaints = FileManager.default.contents(atPath: errorsPath) ?? Data()
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(what) failed (exit \(process.terminationStatus)): \(String(decoding: complaints, as: UTF8.self))")
        }
        return printed
    }
}
