// Compiled into every harness. For the readers that only take a path: a folder of this process's
// own in /dev/shm (memory, so one write per input costs microseconds), removed at exit.
import Foundation

enum ScratchFolder {
    /// /dev/shm/atlas-fuzz-<pid>, made on first use.
    static let path: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let folder = "\(base)/atlas-fuzz-\(getpid())"
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: "/dev/shm/atlas-fuzz-\(getpid())") }
        return folder
    }()

    /// Writes the input as `name` in the folder and returns its path.
    static func write(_ data: UnsafePointer<UInt8>, _ size: Int, as name: String) -> String {
        let file = path + "/" + name
        try! Data(bytes: data, count: size).write(to: URL(fileURLWithPath: file))
        return file
    }
}
