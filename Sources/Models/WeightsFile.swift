import ArrayFiles
import Foundation

/// A checkpoint a model loads by default from `.deps/models/`, known by its name and, where it is
/// published with one, its sha256.
public struct WeightsFile: Sendable {
    public let fileName: String
    /// 64 lower-case hex digits; nil for a checkpoint published without one, which is then
    /// checked only by loading it.
    public let sha256: String?
    /// Where to get the file, for a checkpoint that `scripts/setup` does not fetch; nil for those
    /// it does.
    public let source: String?

    public init(fileName: String, sha256: String?, source: String? = nil) {
        (self.fileName, self.sha256, self.source) = (fileName, sha256, source)
    }

    /// Where checkpoints go, relative to the repository.
    public static let folder = ".deps/models"

    /// `.deps/models/<fileName>`, found by `AtlasHome`; the error says how to get the file and
    /// where to put it.
    public func defaultPath() throws -> String {
        let relative = "\(Self.folder)/\(fileName)"
        guard let folder = AtlasHome.folder(holding: relative) else {
            let remedy = source.map { "download it from \($0) and put it at \(relative) in the repository (or under ATLAS_HOME)" }
                ?? "run scripts/setup"
            throw ModelError("\(relative) not found in \(AtlasHome.searched): \(remedy), or pass --weights PATH")
        }
        return URL(fileURLWithPath: folder).appendingPathComponent(relative).path
    }

    /// Fails unless the file at `path` has the expected sha256; with none known, unless it can
    /// be read (loading it checks the rest).
    public func verify(_ path: String) throws {
        let data = try RegularFile.read(path, kind: "weights file", limit: RegularFile.checkpointLimit)
        guard let sha256 else { return }
        let digest = SHA256.hex(data)
        guard digest == sha256 else {
            throw ModelError("\(path): sha256 is \(digest), expected \(sha256) (\(fileName)); "
                + "run scripts/setup for the right file, or pass --no-verify to load it anyway")
        }
    }
}
