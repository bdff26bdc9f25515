import ArgumentParser
import ArrayFiles
import Foundation

/// How `atlas` ends on an error: a mistake in the arguments prints the usage and exits 2; any
/// other failure prints one line, `atlas: error: FILE[:WHERE]: PROBLEM` (every input error is a
/// `FileProblem`), and exits 1. Never a signal, never Foundation's error dump. (Numeric options
/// parse `.unconditional`ly, so that `--steps -5` is refused as a negative count, not as a
/// missing value.)
enum ErrorReport {
    /// Reports `error` as above and exits; `--help` and `--version` print and exit 0. `running`:
    /// the subcommand that threw it while running, whose usage a mistake in its arguments shows.
    static func exit(with error: Error, command: ParsableCommand.Type, running: ParsableCommand.Type? = nil) -> Never {
        let code = command.exitCode(for: error)
        if code == .success {
            print(command.fullMessage(for: error))
            Foundation.exit(0)
        }
        if code == .validationFailure {
            if let running, error is ValidationError {
                standardError("Error: \(command.message(for: error))\nUsage: " + command.usageString(for: running))
            } else {
                standardError(command.fullMessage(for: error))
            }
            Foundation.exit(2)
        }
        if error is ExitCode {
            Foundation.exit(code.rawValue)  // the command said what it had to
        }
        standardError("atlas: error: " + (error is CocoaError ? describe(error) : command.message(for: error))
            .replacingOccurrences(of: "\n", with: " "))
        Foundation.exit(1)
    }

    /// Flushes standard output, throwing when what was printed could not all be written (a full
    /// disk, a closed pipe): `print` itself reports nothing.
    static func flushStandardOutput() throws {
        // fflush(nil) flushes every C stream (print's included) and fails when one cannot be
        // written; glibc keeps unwritten bytes buffered, so an earlier failed write fails again here.
        if fflush(nil) != 0 {
            throw StandardOutputError(reason: String(cString: strerror(errno)))
        }
    }

    /// One line for `error`: Foundation's file errors as `path: what happened`.
    static func describe(_ error: Error) -> String {
        if let error = error as? CocoaError {
            let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? error.userInfo[NSURLErrorKey].map { "\($0)" }
            let what: String
            switch error.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: what = "no such file or folder"
            case .fileReadNoPermission, .fileWriteNoPermission: what = "permission denied"
            case .fileWriteOutOfSpace: what = "no space left on the device"
            case .fileWriteVolumeReadOnly: what = "the file system is read-only"
            case .fileWriteFileExists: what = "a file is already there"
            case .fileReadCorruptFile: what = "not in the expected format"
            case .fileReadInapplicableStringEncoding: what = "not text in the expected encoding"
            default:
                let underlying = (error.userInfo[NSUnderlyingErrorKey] as? NSError).map { ": \($0.localizedDescription)" } ?? ""
                what = "cannot read or write (\(error.code.rawValue))\(underlying)"
            }
            return path.map { "\($0): \(what)" } ?? what
        }
        return String(describing: error).replacingOccurrences(of: "\n", with: " ")
    }

    private static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}

/// Standard output could not be written.
struct StandardOutputError: FileProblem {
    let reason: String
    var file: String { "standard output" }
    var problem: String { "cannot write: \(reason)" }
}
