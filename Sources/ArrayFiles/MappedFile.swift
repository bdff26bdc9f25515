import Foundation

/// A regular file mapped read-only into memory: its pages are read when touched and shared with
/// the page cache, so an index of many gigabytes is searched without being read into memory.
///
/// The mapping stays valid while the object lives. atlas replaces its files by rename
/// (`writeAtomically`, `MappedFileWriter.commit`), which leaves a mapping of the old file
/// intact; a file truncated in place by another program would fault on the next read.
public final class MappedFile: @unchecked Sendable {
    // Unchecked: the mapping is read-only and never changes after init, so any thread may read it.
    public let path: String
    public let count: Int
    private let base: UnsafeMutableRawPointer?

    /// Maps the regular file at `path`; `kind` names it in errors.
    public init(_ path: String, kind: String) throws {
        // Non-blocking: a FIFO in the file's place would otherwise block the open until someone
        // wrote to it (it is then refused as not a regular file); regular files ignore the flag.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw FileReadError(file: path, problem: errno == ENOENT ? "no such \(kind)" : "cannot read the \(kind): "
                + String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw FileReadError(file: path, problem: "not a regular file, where the \(kind) was expected")
        }
        (self.path, count) = (path, Int(status.st_size))
        if count == 0 {
            base = nil
        } else {
            let mapped = mmap(nil, count, PROT_READ, MAP_SHARED, descriptor, 0)
            guard let mapped, mapped != MAP_FAILED else {
                throw FileReadError(file: path, problem: "cannot map the \(kind) into memory: " + String(cString: strerror(errno)))
            }
            base = mapped
        }
    }

    deinit {
        if let base { munmap(base, count) }
    }

    /// The file's bytes.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}

/// A new file of a known size, filled in place through a shared writable mapping (by several
/// threads, at disjoint places) and then moved to its path: a file of gigabytes is written
/// without holding it in memory, and a killed run leaves only a temporary file, never a
/// half-written one under the final name.
public final class MappedFileWriter: @unchecked Sendable {
    // Unchecked: callers write disjoint ranges (documented on `bytes`); the mapping itself is
    // fixed from init to commit.
    public let path: String
    public let count: Int
    private let temporary: String
    private let base: UnsafeMutableRawPointer?
    private var committed = false

    public init(_ path: String, count: Int) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp").path
        (self.path, self.count) = (path, count)
        let descriptor = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileWriteError(file: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(count)) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw FileWriteError(file: path, reason: reason)
        }
        #if os(Linux)
        // The disk space is reserved now: a sparse file on a full disk would fail later, as a
        // SIGBUS on some write through the mapping, with no message.
        if count > 0 {
            let failure = posix_fallocate(descriptor, 0, off_t(count))
            guard failure == 0 || failure == EOPNOTSUPP || failure == EINVAL else {
                unlink(temporary)
                throw FileWriteError(file: path, reason: "cannot reserve \(count) bytes: " + String(cString: strerror(failure)))
            }
        }
        #endif
        if count == 0 {
            base = nil
        } else {
            let mapped = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0)
            guard let mapped, mapped != MAP_FAILED else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw FileWriteError(file: path, reason: "cannot map it into memory: " + reason)
            }
            base = mapped
        }
    }

    deinit {
        if let base { munmap(base, count) }
        if !committed { unlink(temporary) }
    }

    /// The file's bytes, zero until written. Threads may write at once only to disjoint ranges.
    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: count) }

    /// Writes the pages to disk and moves the file to its path.
    public func commit() throws {
        if let base, msync(base, count, MS_SYNC) != 0 {
            throw FileWriteError(file: path, reason: String(cString: strerror(errno)))
        }
        guard rename(temporary, path) == 0 else { throw FileWriteError(file: path, reason: String(cString: strerror(errno))) }
        committed = true
    }
}
