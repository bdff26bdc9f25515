/// The entries of a zip archive, read from its central directory (ZIP64 included). Only stored
/// (uncompressed) entries can be read, as `torch.save` writes them; CRCs are not checked.
struct ZipArchive {
    struct Entry {
        let name: String
        /// 0 for stored, 8 for deflate, ...
        let method: UInt16
        /// Where the entry's (possibly compressed) bytes lie in the archive.
        let data: Range<Int>
    }

    let bytes: UnsafeRawBufferPointer
    let entries: [String: Entry]
    /// Entry names in central-directory order.
    let names: [String]

    /// Zip files start with a local file header (or, when empty, the end record).
    static func looksLikeZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4b
            && ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6))
    }

    init(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes = bytes
        let directory = try Self.centralDirectory(bytes)
        var reader = ByteReader(bytes, at: directory.offset)
        var entries: [String: Entry] = [:]
        var names: [String] = []
        for _ in 0..<directory.count {
            let entry = try Self.entry(&reader, in: bytes)
            entries[entry.name] = entry
            names.append(entry.name)
        }
        self.entries = entries
        self.names = names
    }

    /// The bytes of a stored entry; a compressed one is refused.
    func storedBytes(_ entry: Entry) throws -> UnsafeRawBufferPointer {
        guard entry.method == 0 else {
            throw FormatProblem("zip entry '\(entry.name)' is compressed (method \(entry.method)\(entry.method == 8 ? ", deflate" : "")); only stored entries, as torch.save writes them, can be read")
        }
        return UnsafeRawBufferPointer(rebasing: bytes[entry.data])
    }

    /// Where the central directory starts and how many entries it has, from the end record.
    private static func centralDirectory(_ bytes: UnsafeRawBufferPointer) throws -> (offset: Int, count: Int) {
        let endRecordSize = 22
        guard bytes.count >= endRecordSize,
              let end = stride(from: bytes.count - endRecordSize, through: max(0, bytes.count - endRecordSize - 0xffff), by: -1)
                .first(where: { signature(bytes, at: $0) == 0x0605_4b50 }) else {
            throw FormatProblem("zip archive has no end-of-central-directory record (truncated file?)")
        }
        var reader = ByteReader(bytes, at: end + 10)
        var count = Int(try reader.integer(UInt16.self, .little, "the zip end record"))
        _ = try reader.integer(UInt32.self, .little, "the zip end record")
        var offset = Int(try reader.integer(UInt32.self, .little, "the zip end record"))
        if count == 0xffff || offset == 0xffff_ffff {
            guard end >= 20, signature(bytes, at: end - 20) == 0x0706_4b50 else {
                throw FormatProblem("zip archive needs ZIP64 fields but has no ZIP64 locator")
            }
            var locator = ByteReader(bytes, at: end - 20 + 8)
            let record = Int(clamping: try locator.integer(UInt64.self, .little, "the ZIP64 locator"))
            guard record >= 0, record <= bytes.count - 56, signature(bytes, at: record) == 0x0606_4b50 else {
                throw FormatProblem("zip archive's ZIP64 end record is missing")
            }
            var zip64 = ByteReader(bytes, at: record + 32)
            count = Int(clamping: try zip64.integer(UInt64.self, .little, "the ZIP64 end record"))
            _ = try zip64.integer(UInt64.self, .little, "the ZIP64 end record")
            offset = Int(clamping: try zip64.integer(UInt64.self, .little, "the ZIP64 end record"))
        }
        guard offset <= bytes.count else {
            throw FormatProblem("zip central directory starts at byte \(offset), past the end of the \(bytes.count)-byte file (truncated?)")
        }
        return (offset, count)
    }

    /// One central-directory entry, resolved through its local header to its data.
    private static func entry(_ reader: inout ByteReader, in bytes: UnsafeRawBufferPointer) throws -> Entry {
        guard signature(bytes, at: reader.position) == 0x0201_4b50 else {
            throw FormatProblem("zip central directory is damaged at byte \(reader.position)")
        }
        let header = try reader.take(46, "a zip central-directory entry")
        let flags = UInt16(littleEndian: header.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        let method = UInt16(littleEndian: header.loadUnaligned(fromByteOffset: 10, as: UInt16.self))
        var size = Int(UInt32(littleEndian: header.loadUnaligned(fromByteOffset: 20, as: UInt32.self)))
        let uncompressedSize = UInt32(littleEndian: header.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
        let nameLength = Int(UInt16(littleEndian: header.loadUnaligned(fromByteOffset: 28, as: UInt16.self)))
        let extraLength = Int(UInt16(littleEndian: header.loadUnaligned(fromByteOffset: 30, as: UInt16.self)))
        let commentLength = Int(UInt16(littleEndian: header.loadUnaligned(fromByteOffset: 32, as: UInt16.self)))
        var localHeader = Int(UInt32(littleEndian: header.loadUnaligned(fromByteOffset: 42, as: UInt32.self)))
        let name = String(decoding: try reader.take(nameLength, "a zip entry name"), as: UTF8.self)
        var extra = ByteReader(try reader.take(extraLength, "zip entry '\(name)' extra fields"))
        _ = try reader.take(commentLength, "zip entry '\(name)' comment")
        guard flags & 1 == 0 else { throw FormatProblem("zip entry '\(name)' is encrypted") }

        // ZIP64: the sizes and offset that overflowed 32 bits, in this order, in extra field 1.
        while extra.remaining >= 4 {
            let id = try extra.integer(UInt16.self, .little, "a zip extra field")
            let fieldLength = Int(try extra.integer(UInt16.self, .little, "a zip extra field"))
            var field = ByteReader(try extra.take(fieldLength, "zip entry '\(name)' extra field"))
            guard id == 1 else { continue }
            if uncompressedSize == 0xffff_ffff {
                _ = try field.integer(UInt64.self, .little, "ZIP64 uncompressed size")
            }
            if size == 0xffff_ffff {
                size = Int(clamping: try field.integer(UInt64.self, .little, "ZIP64 compressed size"))
            }
            if localHeader == 0xffff_ffff {
                localHeader = Int(clamping: try field.integer(UInt64.self, .little, "ZIP64 offset"))
            }
        }

        guard localHeader <= bytes.count - 30, signature(bytes, at: localHeader) == 0x0403_4b50 else {
            throw FormatProblem("zip entry '\(name)': no local header at byte \(localHeader) (truncated file?)")
        }
        var local = ByteReader(bytes, at: localHeader + 26)
        let localNameLength = Int(try local.integer(UInt16.self, .little, "a zip local header"))
        let localExtraLength = Int(try local.integer(UInt16.self, .little, "a zip local header"))
        let start = localHeader + 30 + localNameLength + localExtraLength
        guard size <= bytes.count - start else {
            throw FormatProblem("zip entry '\(name)' needs \(size) bytes at byte \(start), past the end of the \(bytes.count)-byte file (truncated?)")
        }
        return Entry(name: name, method: method, data: start..<start + size)
    }

    private static func signature(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= bytes.count - 4 else { return nil }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
