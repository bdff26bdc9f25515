import Foundation
import XCTest

/// Where the repository and what `scripts/setup` installs live, for every test target.
public enum TestFiles {
    /// The repository's root, found from this file's path.
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `relative` under the repository's root.
    public static func path(_ relative: String) -> String {
        repository.appendingPathComponent(relative).path
    }

    /// scikit-image's colour photos, the tests' reference photos (from scripts/setup).
    public static let photos = path(".deps/photos/skimage")

    /// One of scikit-image's photos by file name ("chelsea.png").
    public static func photo(_ name: String) -> String {
        photos + "/" + name
    }

    /// A weights file of `.deps/models`; missing means set-up was not run, which fails the test.
    public static func weights(_ name: String) throws -> String {
        let path = path(".deps/models/\(name)")
        guard FileManager.default.fileExists(atPath: path) else {
            throw TestFailure("\(path) is missing: run scripts/setup to fetch the model weights")
        }
        return path
    }

    /// A fresh empty folder under the system's temporary folder, named after `label`; removed
    /// when `test` ends, if one is given.
    public static func temporaryFolder(_ label: String, removedAfter test: XCTestCase? = nil) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atlas-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        test?.addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }
}

/// A test's own failure (a reference that failed, a missing file), carrying its message.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
