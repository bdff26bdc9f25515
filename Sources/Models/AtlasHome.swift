import Foundation

/// Finds files of the repository's working tree (`.deps/models/...`, `Benchmarks/...`) from
/// wherever atlas runs: under $ATLAS_HOME if that is set, otherwise in the nearest folder above
/// the current directory, or above the running executable, that has them.
public enum AtlasHome {
    /// The folder that holds `relativePath`, or nil.
    public static func folder(holding relativePath: String) -> String? {
        if let home = ProcessInfo.processInfo.environment["ATLAS_HOME"], !home.isEmpty {
            let path = URL(fileURLWithPath: home).appendingPathComponent(relativePath).path
            return FileManager.default.fileExists(atPath: path) ? home : nil
        }
        let starts: [String?] = [FileManager.default.currentDirectoryPath,
                                 Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent().path]
        for start in starts.compactMap({ $0 }) {
            var folder = URL(fileURLWithPath: start)
            while true {
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent(relativePath).path) { return folder.path }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }

    /// Where the search looks, for error messages.
    public static var searched: String {
        if let home = ProcessInfo.processInfo.environment["ATLAS_HOME"], !home.isEmpty { return "ATLAS_HOME (\(home))" }
        return "the folders above the current directory and the atlas executable (ATLAS_HOME is not set)"
    }
}
