import Foundation

/// One file stored in a Qt resource file.
public struct QtResourceEntry: Equatable, Sendable {
    public enum Compression: String, Sendable { case none, zlib, zstd }

    /// The file's path in the resource tree, folders joined by "/", without a leading "/".
    public let path: String
    public let compression: Compression
    /// Where the entry's length-prefixed data starts in the resource file.
    let dataOffset: Int

    public var name: Substring { path.split(separator: "/").last ?? "" }
}

/// A binary Qt resource file (`.rcc`, magic `qres`, format versions 1-3), read by walking its
/// tree of nodes, so that file names and folders are kept.
///
/// Layout (all integers big-endian): a header `qres`, version, then the offsets of the tree,
/// the data and the names (version 3 adds a flags word). Tree nodes are 14 bytes (22 from
/// version 2, which appends a last-modified time): name offset u32, flags u16 (0x01 zlib,
/// 0x02 folder, 0x04 zstd), then for a folder its child count and first child's node index,
/// for a file territory u16, language u16 and data offset u32. A name is a u16 length, a u32
/// hash and UTF-16BE characters; a data entry is a u32 length and the bytes, which for zlib
/// are `qCompress` output: a u32 uncompressed length and a zlib stream.
public struct QtResourceFile {
    /// The file on disk, for messages.
    public let file: String
    public let version: Int
    /// Every file in the tree, sorted by path.
    public let entries: [QtResourceEntry]
    private let view: ByteView

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFormatError(file: path, problem: "cannot read the file")
        }
        try self.init(bytes: [UInt8](data), file: path)
    }

    public init(bytes: [UInt8], file: String) throws {
        let view = ByteView(bytes: bytes, file: file)
        guard view.hasPrefix(Array("qres".utf8)) else { throw view.fail("not a Qt resource file (no 'qres' magic)") }
        let version = try view.bigEndian(4, width: 4, "format version")
        guard (1...3).contains(version) else { throw view.fail("unsupported Qt resource format version \(version); expected 1 to 3") }
        let layout = TreeLayout(tree: try view.bigEndian(8, width: 4, "tree offset"),
                                data: try view.bigEndian(12, width: 4, "data offset"),
                                names: try view.bigEndian(16, width: 4, "names offset"),
                                nodeSize: version >= 2 ? 22 : 14)
        var entries: [QtResourceEntry] = []
        var visited: Set<Int> = []
        try Self.walk(node: 0, path: [], view: view, layout: layout, visited: &visited, into: &entries)
        self.file = file
        self.version = version
        self.entries = entries.sorted { $0.path < $1.path }
        self.view = view
    }

    /// The entry at `path` (no leading "/"), if the tree holds it.
    public func entry(_ path: String) -> QtResourceEntry? { entries.first { $0.path == path } }

    /// The entry's bytes, decompressed.
    public func contents(of entry: QtResourceEntry) throws -> [UInt8] {
        let member = ByteView(bytes: view.bytes, file: "\(file): \(entry.path)")
        let length = try member.bigEndian(entry.dataOffset, width: 4, "data length")
        let stored = try member.slice(entry.dataOffset + 4, length, "data")
        switch entry.compression {
        case .none:
            return Array(stored)
        case .zlib:
            let expected = try member.bigEndian(entry.dataOffset + 4, width: 4, "uncompressed length")
            do {
                return try Zlib.decompress(Array(stored.dropFirst(4)), expectedLength: expected)
            } catch let error as ZlibError {
                throw member.fail(error.reason)
            }
        case .zstd:
            throw member.fail("zstd-compressed entry; atlas reads only uncompressed and zlib entries")
        }
    }

    private struct TreeLayout {
        let tree: Int, data: Int, names: Int, nodeSize: Int
    }

    private static func walk(node: Int, path: [String], view: ByteView, layout: TreeLayout,
                             visited: inout Set<Int>, into entries: inout [QtResourceEntry]) throws {
        guard visited.insert(node).inserted else { throw view.fail("resource tree node \(node) is reached twice (corrupt tree)") }
        let offset = layout.tree + node * layout.nodeSize
        _ = try view.slice(offset, layout.nodeSize, "tree node \(node)")
        let flags = try view.bigEndian(offset + 4, width: 2, "node flags")
        let name = node == 0 ? nil : try Self.name(at: try view.bigEndian(offset, width: 4, "name offset"), view: view, layout: layout)
        let nodePath = path + (name.map { [$0] } ?? [])
        if flags & 0x02 != 0 {
            let count = try view.bigEndian(offset + 6, width: 4, "child count")
            let first = try view.bigEndian(offset + 10, width: 4, "first child")
            for child in first..<first + count {
                try walk(node: child, path: nodePath, view: view, layout: layout, visited: &visited, into: &entries)
            }
        } else {
            guard node != 0 else { throw view.fail("the resource tree's root is not a folder") }
            let compression: QtResourceEntry.Compression = flags & 0x04 != 0 ? .zstd : flags & 0x01 != 0 ? .zlib : .none
            let dataOffset = layout.data + (try view.bigEndian(offset + 10, width: 4, "data offset"))
            entries.append(QtResourceEntry(path: nodePath.joined(separator: "/"), compression: compression, dataOffset: dataOffset))
        }
    }

    private static func name(at nameOffset: Int, view: ByteView, layout: TreeLayout) throws -> String {
        let start = layout.names + nameOffset
        let length = try view.bigEndian(start, width: 2, "name length")
        let units = try view.slice(start + 6, 2 * length, "name").chunks(of: 2).map { UInt16($0.first!) << 8 | UInt16($0.last!) }
        let name = String(decoding: units, as: UTF16.self)
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw view.fail("resource tree holds an unusable name '\(name)'")
        }
        return name
    }
}

private extension ArraySlice where Element == UInt8 {
    /// Consecutive pieces of `size` elements (the last may be shorter).
    func chunks(of size: Int) -> [ArraySlice<UInt8>] {
        stride(from: startIndex, to: endIndex, by: size).map { self[$0..<Swift.min($0 + size, endIndex)] }
    }
}
