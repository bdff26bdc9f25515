import Dataset
import Foundation
import TestSupport
import XCTest

/// The demo set from the packages scripts/setup installs: these tests fail, saying so, on a
/// machine where it has not run.
final class InstalledDemoSetTests: XCTestCase {
    private let sources = DemoSources(scikitImagePhotos: TestFiles.photos)

    /// The five GCompris resource files parse and hold the 248 WebP photos DATA.md counted,
    /// each with a readable header.
    func testInstalledGComprisResources() throws {
        var photos = 0
        for name in DemoCatalogue.gcomprisResources {
            let path = "\(sources.gcomprisResources)/\(name).rcc"
            guard FileManager.default.fileExists(atPath: path) else {
                return XCTFail("\(path) not found: run scripts/setup (it installs gcompris-qt-data)")
            }
            let resource = try QtResourceFile(path: path)
            XCTAssertEqual(resource.version, 3, path)
            for entry in resource.entries where entry.path.hasSuffix(".webp") {
                let header = try ImageHeader(bytes: try resource.contents(of: entry), file: entry.path)
                XCTAssertEqual(header.format, .webp)
                photos += 1
            }
        }
        XCTAssertEqual(photos, 248)
    }

    /// Gathering the set reproduces the committed manifest exactly; writing it twice rewrites
    /// nothing the second time; listing the folder finds every photo.
    func testExtractionMatchesTheCommittedManifest() throws {
        let set: DemoSet
        do {
            set = try DemoSet(sources: sources)
        } catch let error as DemoSourcesMissing {
            return XCTFail("\(error)")
        }
        XCTAssertEqual(Manifest.differences(expected: try DemoSet.committedManifest(), actual: set.entries), [])
        XCTAssertEqual(set.uncategorised, [])
        XCTAssertEqual(set.entries.filter { $0.note.contains("uncredited") }.map(\.path), [])

        let folder = try TestFiles.temporaryFolder("dataset", removedAfter: self)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try set.write(to: folder)
        XCTAssertEqual(first.written, set.files.count)
        let second = try set.write(to: folder)
        XCTAssertEqual([second.written, second.unchanged], [0, set.files.count])
        XCTAssertEqual(try Manifest.read("\(folder)/\(DemoSet.manifestName)"), set.entries)
        XCTAssertEqual(try ImageCollection.list(folder).map(\.relativePath), set.entries.map(\.path).sorted {
            Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
        })
    }
}
