import Dataset
import Foundation
import TestSupport
import XCTest

final class ImageCollectionTests: XCTestCase {
    func testFindsImagesByTheirBytesSortedAtAnyDepth() throws {
        let folder = try TestFiles.temporaryFolder("dataset", removedAfter: self)
        let png: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]
        let jpeg: [UInt8] = [0xff, 0xd8, 0xff, 0xe0, 0, 16, 0, 0, 0, 0, 0, 0]
        let webp = Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)
        let files: [(String, [UInt8])] = [
            ("b/zebra.webp", webp), ("a.jpg", jpeg), ("b/Apple.PNG", png), ("b/c/deep.png", png),
            ("misnamed.dat", jpeg), ("README", Array("Copyright: x\n".utf8)), ("fake.jpg", Array("not an image".utf8)),
            (".hidden.png", png), (".cache/inside.png", png), ("b/.tmp.jpg.123.tmp", jpeg), ("empty.png", []),
        ]
        for (path, bytes) in files {
            let url = URL(fileURLWithPath: "\(folder)/\(path)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        let images = try ImageCollection.list(folder)
        XCTAssertEqual(images.map(\.relativePath), ["a.jpg", "b/Apple.PNG", "b/c/deep.png", "b/zebra.webp", "misnamed.dat"])
        XCTAssertEqual(images.map(\.format), [.jpeg, .png, .png, .webp, .jpeg])
        XCTAssertEqual(images[2].path, "\(folder)/b/c/deep.png")
        XCTAssertEqual(try ImageCollection.list(folder + "/").map(\.path), images.map(\.path))
    }

    func testMissingFolderIsAnError() throws {
        let folder = try TestFiles.temporaryFolder("dataset", removedAfter: self)
        XCTAssertThrowsError(try ImageCollection.list(folder + "/nothing")) { XCTAssertTrue("\($0)".hasSuffix("/nothing: no such folder"), "\($0)") }
        try Data([1]).write(to: URL(fileURLWithPath: folder + "/file"))
        XCTAssertThrowsError(try ImageCollection.list(folder + "/file")) { XCTAssertTrue("\($0)".hasSuffix("/file: not a folder"), "\($0)") }
        XCTAssertEqual(try ImageCollection.list(folder), [])
    }
}
