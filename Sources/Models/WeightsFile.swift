import ArrayFiles
import Foundation

/// A checkpoint that `scripts/setup` puts in `.deps/models/`, known by its name and sha256.
public struct WeightsFile: Sendable {
    public let fileName: String
    /// 64 lower-case hex digits.
    public let sha256: String

    /// Where `scripts/setup` puts checkpoints, relative to the repository.
    public static let folder = ".deps/models"

    /// `.deps/models/<fileName>`, found by `AtlasHome`.
    public func defaultPath() throws -> String {
        let relative = "\(Self.folder)/\(fileName)"
        guard let folder = AtlasHome.folder(holding: relative) else {
            throw ModelError("\(relative) not found in \(AtlasHome.searched): run scripts/setup, or pass --weights PATH")
        }
        return URL(fileURLWithPath: folder).appendingPathComponent(relative).path
    }

    /// Fails unless the file at `path` has the expected sha256.
    public func verify(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError("\(path): cannot read the weights file")
        }
        let digest = SHA256.hex(data)
        guard digest == sha256 else {
            throw ModelError("\(path): sha256 is \(digest), expected \(sha256) (\(fileName)); "
                + "run scripts/setup for the right file, or pass --no-verify to load it anyway")
        }
    }
}
