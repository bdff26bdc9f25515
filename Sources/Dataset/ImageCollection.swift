import ArrayFiles
import Foundation

/// One image file found in a folder.
public struct ImageFile: Equatable, Sendable {
    /// The path to open: the folder's path joined with `relativePath`.
    public let path: String
    /// Relative to the listed folder, "/"-separated.
    public let relativePath: String
    public let format: ImageFormat
}

/// A folder that cannot be listed.
public struct ImageCollectionError: FileProblem {
    /// The folder.
    public let file: String
    public let problem: String
}

/// The images in a user's folder, for `atlas collect --images` and `atlas index build --images`.
public enum ImageCollection {
    /// Every JPEG, PNG and WebP file under `folder`, at any depth, sorted by relative path
    /// (byte order of the UTF-8 names, so the order is the same on every machine).
    ///
    /// A file counts as an image by its first bytes, not its extension: a misnamed photo is
    /// found and a README or manifest is skipped. Names starting with "." (hidden files and the
    /// temporary files of atomic writes) are skipped, files and folders alike; symbolic links
    /// to files are followed, links to folders are not.
    public static func list(_ folder: String) throws -> [ImageFile] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            throw ImageCollectionError(file: folder, problem: "no such folder")
        }
        guard isFolder.boolValue else { throw ImageCollectionError(file: folder, problem: "not a folder") }
        let root = URL(fileURLWithPath: folder, isDirectory: true)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else {
            throw ImageCollectionError(file: folder, problem: "cannot list the folder")
        }
        var images: [ImageFile] = []
        for case let url as URL in walker {
            let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count)).trimmingPrefix("/")
            let path = folder.hasSuffix("/") ? folder + relative : folder + "/" + relative
            guard (try? url.resolvingSymlinksInPath().resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                  let format = signature(of: path).flatMap(ImageFormat.init(signature:)) else { continue }
            images.append(ImageFile(path: path, relativePath: String(relative), format: format))
        }
        return images.sorted { Array($0.relativePath.utf8).lexicographicallyPrecedes(Array($1.relativePath.utf8)) }
    }

    /// The first 12 bytes of a file, or nil when it cannot be read.
    private static func signature(of path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 12)).map { [UInt8]($0) }
    }
}
