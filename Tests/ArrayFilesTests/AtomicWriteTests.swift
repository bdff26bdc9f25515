import ArrayFiles
import Foundation
import TestSupport
import XCTest

/// What `writeAtomically` does with what already sits at the output path.
final class AtomicWriteTests: XCTestCase {
    func testARegularFileIsReplacedWhole() throws {
        let path = try TestFiles.temporaryFolder("write", removedAfter: self) + "/out.json"
        try writeAtomically(Data("old and longer".utf8), to: path)
        try writeAtomically(Data("new".utf8), to: path)
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("new".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent), ["out.json"])
    }

    /// A link is followed: its target gets the data and the link stays a link.
    func testASymbolicLinkIsFollowed() throws {
        let folder = try TestFiles.temporaryFolder("write", removedAfter: self)
        try Data("old".utf8).write(to: URL(fileURLWithPath: folder + "/target.json"))
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.json", withDestinationPath: "target.json")
        try writeAtomically(Data("new".utf8), to: folder + "/link.json")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/link.json"), "target.json")
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/target.json"), Data("new".utf8))
    }

    /// A device is written into, never replaced by a file (as root, a rename would replace it).
    func testADeviceIsWrittenIntoNotReplaced() throws {
        try writeAtomically(Data("discarded".utf8), to: "/dev/null")
        var status = stat()
        XCTAssertEqual(lstat("/dev/null", &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFCHR, "/dev/null is still a character device")
        XCTAssertThrowsError(try writeAtomically(Data("x".utf8), to: "/dev/full")) { error in
            XCTAssertEqual("\(error)", "/dev/full: cannot write: No space left on device")
        }
        XCTAssertEqual(lstat("/dev/full", &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFCHR, "/dev/full is still a character device")
    }

    func testAFolderIsRefused() throws {
        let folder = try TestFiles.temporaryFolder("write", removedAfter: self)
        XCTAssertThrowsError(try writeAtomically(Data("x".utf8), to: folder)) { error in
            XCTAssertEqual("\(error)", "\(folder): cannot write: it is a folder")
        }
    }
}
