import Foundation

/// Reads whole files that users give, refusing before reading what is not a regular file (a
/// FIFO would block, `/dev/zero` would never end) or is larger than `limit` bytes (a limit per
/// kind of file, named in the error): every reader of user files goes through here.
public enum RegularFile {
    /// The contents of the regular file at `path` (symbolic links followed). `kind` names the
    /// file in errors ("image", "canvas file").
    public static func read(_ path: String, kind: String, limit: Int) throws -> Data {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw FileReadError(file: path, problem: errno == ENOENT ? "no such \(kind)" : "cannot read the \(kind): "
                + String(cString: strerror(errno)))
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw FileReadError(file: path, problem: "a folder, where a regular file (the \(kind)) was expected")
        case S_IFIFO: throw FileReadError(file: path, problem: "a FIFO, where a regular file (the \(kind)) was expected")
        default: throw FileReadError(file: path, problem: "a device or socket, where a regular file (the \(kind)) was expected")
        }
        guard Int(status.st_size) <= limit else {
            throw FileReadError(file: path, problem: "\(status.st_size) bytes, more than the limit of \(limit) for a \(kind)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileReadError(file: path, problem: "cannot read the \(kind): " + String(cString: strerror(errno)))
        }
        return data
    }

    /// Limits in bytes: a photo (JPEG of Pillow's largest 179-megapixel image is far below),
    /// metadata (the JSON of an index of millions of photos), arrays and checkpoints.
    public static let imageLimit = 1 << 29, jsonLimit = 1 << 31, arrayLimit = 1 << 36, checkpointLimit = 1 << 34
}

/// A file that could not be read, or is not what a reader takes.
public struct FileReadError: FileProblem {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) { (self.file, self.problem) = (file, problem) }
}
