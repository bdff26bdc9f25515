import Foundation

/// Writes `data` to `path` so that a killed process never leaves a half-written file behind:
/// a regular file (or a new path) is written through a temporary file in the same folder and a
/// rename. What the rename would wrongly replace is handled as a shell's `>` would: a symbolic
/// link is followed and its target written (the link stays), a device, FIFO or socket is written
/// into directly (`-o /dev/stdout`; `/dev/full` fails with "No space left on device"), and a
/// folder is refused. Every failure is a `FileWriteError` naming the path.
public func writeAtomically(_ data: Data, to path: String) throws {
    var status = stat()
    if lstat(path, &status) == 0 {
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFLNK:
            return try writeAtomically(data, to: try linkTarget(path))
        case S_IFDIR:
            throw FileWriteError(file: path, reason: "it is a folder")
        default:
            return try writeDirectly(data, to: path)
        }
    }
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
    do {
        try data.write(to: temporary)
        if rename(temporary.path, url.path) != 0 {
            throw FileWriteError(file: path, reason: String(cString: strerror(errno)))
        }
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        if error is FileWriteError { throw error }
        throw FileWriteError(file: path, reason: describe(error))
    }
}

/// The path a symbolic link points to, relative links resolved against the link's folder.
private func linkTarget(_ path: String) throws -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count > 0 else { throw FileWriteError(file: path, reason: "cannot read the link: \(String(cString: strerror(errno)))") }
    let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return target.hasPrefix("/") ? target : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(target).path
}

/// Writes all of `data` into an existing device, FIFO or socket, reporting the first error.
private func writeDirectly(_ data: Data, to path: String) throws {
    let descriptor = open(path, O_WRONLY)
    guard descriptor >= 0 else { throw FileWriteError(file: path, reason: String(cString: strerror(errno))) }
    defer { close(descriptor) }
    try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileWriteError(file: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }
}

/// Foundation's write errors in words (the underlying POSIX error when there is one).
private func describe(_ error: Error) -> String {
    let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
    if let underlying, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    switch (error as? CocoaError)?.code {
    case .fileWriteOutOfSpace?: return String(cString: strerror(ENOSPC))
    case .fileWriteVolumeReadOnly?: return String(cString: strerror(EROFS))
    case .fileWriteNoPermission?: return String(cString: strerror(EACCES))
    default: return error.localizedDescription
    }
}

/// A file that could not be written.
public struct FileWriteError: FileProblem {
    public let file: String
    /// Why the write failed.
    public let reason: String
    public var problem: String { "cannot write: \(reason)" }

    public init(file: String, reason: String) { (self.file, self.reason) = (file, reason) }
}
