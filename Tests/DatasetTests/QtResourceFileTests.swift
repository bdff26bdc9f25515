import Dataset
import Foundation
import TestSupport
import XCTest

final class QtResourceFileTests: XCTestCase {
    /// Writes a Qt resource file as Qt's rcc lays it out (data, names, tree; names with
    /// qt_hash; children sorted by hash): the root holds the folder "pics" with "notes.txt"
    /// (zlib, qCompress framing, first in the data) and "photo.webp" (stored), both with fixed
    /// contents.
    static let generator = """
        import struct, sys, zlib
        version, path = int(sys.argv[1]), sys.argv[2]
        files = [("notes.txt", b"Copyright: someone\\nLicense: CC0-1.0\\n" * 20, True),
                 ("photo.webp", bytes(range(256)) * 3, False)]

        def qt_hash(name):
            h = 0
            units = name.encode("utf-16-be")
            for i in range(0, len(units), 2):
                h = (h << 4) + (units[i] << 8 | units[i + 1])
                h ^= (h & 0xf0000000) >> 23
                h &= 0x0fffffff
            return h

        names, name_offsets, data = b"", {}, b""
        def name(n):
            global names
            if n not in name_offsets:
                name_offsets[n] = len(names)
                units = n.encode("utf-16-be")
                names += struct.pack(">HI", len(units) // 2, qt_hash(n)) + units
            return name_offsets[n]
        def stored(content, compress):
            global data
            offset = len(data)
            payload = struct.pack(">I", len(content)) + zlib.compress(content) if compress else content
            data += struct.pack(">I", len(payload)) + payload
            return offset
        stamp = struct.pack(">Q", 1700000000000) if version >= 2 else b""
        def folder(name_offset, count, first):
            return struct.pack(">IHII", name_offset, 0x02, count, first) + stamp
        def leaf(name_offset, compress, data_offset):
            return struct.pack(">IHHHI", name_offset, 0x01 if compress else 0, 0, 1, data_offset) + stamp

        data_offsets = {file_name: stored(content, compress) for file_name, content, compress in files}
        children = sorted(files, key=lambda f: qt_hash(f[0]))
        tree = folder(0, 1, 1) + folder(name("pics"), len(children), 2)
        for file_name, content, compress in children:
            tree += leaf(name(file_name), compress, data_offsets[file_name])
        header_size = 24 if version >= 3 else 20
        data_offset = header_size
        names_offset = data_offset + len(data)
        tree_offset = names_offset + len(names)
        header = b"qres" + struct.pack(">IIII", version, tree_offset, data_offset, names_offset)
        if version >= 3:
            header += struct.pack(">I", 1)
        open(path, "wb").write(header + data + names + tree)
        """

    private func makeResource(version: Int) throws -> [UInt8] {
        let path = try TestFiles.temporaryFolder("dataset", removedAfter: self) + "/test.rcc"
        _ = try Python.run(Self.generator, [String(version), path])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private let notes = Array(String(repeating: "Copyright: someone\nLicense: CC0-1.0\n", count: 20).utf8)
    private let photo = Array((0..<3).flatMap { _ in (0...255).map(UInt8.init) })

    func testReadsTreeNamesAndBothStorageKinds() throws {
        for version in [1, 2, 3] {
            let resource = try QtResourceFile(bytes: try makeResource(version: version), file: "test.rcc")
            XCTAssertEqual(resource.version, version)
            XCTAssertEqual(resource.entries.map(\.path), ["pics/notes.txt", "pics/photo.webp"])
            XCTAssertEqual(resource.entries.map(\.compression), [.zlib, QtResourceEntry.Compression.none])
            XCTAssertEqual(resource.entries.map(\.name), ["notes.txt", "photo.webp"])
            XCTAssertEqual(try resource.contents(of: resource.entry("pics/notes.txt")!), notes)
            XCTAssertEqual(try resource.contents(of: resource.entry("pics/photo.webp")!), photo)
            XCTAssertNil(resource.entry("photo.webp"))
        }
    }

    func testCorruptFilesGiveErrorsNamingTheFile() throws {
        let good = try makeResource(version: 3)
        let treeOffset = good[8..<12].reduce(0) { $0 << 8 | Int($1) }

        var badMagic = good
        badMagic[0] = UInt8(ascii: "x")
        XCTAssertThrowsError(try QtResourceFile(bytes: badMagic, file: "bad.rcc")) { XCTAssertTrue("\($0)".hasPrefix("bad.rcc: not a Qt resource file"), "\($0)") }

        var farChild = good  // the root's first child points far past the end
        farChild[treeOffset + 10..<treeOffset + 14] = [0, 0, 0x10, 0]
        XCTAssertThrowsError(try QtResourceFile(bytes: farChild, file: "far.rcc")) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }

        var cycle = good  // the folder "pics" lists the root as its child
        cycle[treeOffset + 22 + 10..<treeOffset + 22 + 14] = [0, 0, 0, 0]
        XCTAssertThrowsError(try QtResourceFile(bytes: cycle, file: "cycle.rcc")) { XCTAssertTrue("\($0)".contains("reached twice"), "\($0)") }

        XCTAssertThrowsError(try QtResourceFile(bytes: Array(good.prefix(30)), file: "short.rcc"))

        var badZlib = good  // flip a byte inside the compressed text's stream
        badZlib[24 + 4 + 4 + 10] ^= 0xff
        let resource = try QtResourceFile(bytes: badZlib, file: "z.rcc")
        XCTAssertThrowsError(try resource.contents(of: resource.entry("pics/notes.txt")!)) {
            XCTAssertTrue("\($0)".hasPrefix("z.rcc: pics/notes.txt: "), "\($0)")
        }
    }
}
