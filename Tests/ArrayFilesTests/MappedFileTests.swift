import ArrayFiles
import Foundation
import TestSupport
import XCTest

/// What `MappedFile` and `MappedFileWriter` do with what sits at their paths.
final class MappedFileTests: XCTestCase {
    /// A FIFO where a shard was expected is refused at once: opening it used to wait for a writer.
    func testAFIFOIsRefusedWithoutWaiting() throws {
        let path = try TestFiles.temporaryFolder("mapped", removedAfter: self) + "/shard-0.bin"
        XCTAssertEqual(mkfifo(path, 0o644), 0)
        XCTAssertThrowsError(try MappedFile(path, kind: "index shard")) {
            XCTAssertTrue("\($0)".contains("not a regular file"), "\($0)")
        }
    }

    func testAWrittenFileReadsBack() throws {
        let path = try TestFiles.temporaryFolder("mapped", removedAfter: self) + "/lists.bin"
        let writer = try MappedFileWriter(path, count: 4096)
        writer.bytes.storeBytes(of: 0x0102_0304, toByteOffset: 4092, as: UInt32.self)
        try writer.commit()
        let file = try MappedFile(path, kind: "inverted lists")
        XCTAssertEqual(file.count, 4096)
        XCTAssertEqual(file.bytes.load(fromByteOffset: 4092, as: UInt32.self), 0x0102_0304)
        XCTAssertEqual(file.bytes.load(fromByteOffset: 0, as: UInt32.self), 0)
    }
}
