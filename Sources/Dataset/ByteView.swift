/// Bounds-checked reads of integers from a byte array; a read past the end throws a
/// `DataFormatError` naming the file and the offset.
struct ByteView {
    let bytes: [UInt8]
    let file: String

    var count: Int { bytes.count }

    func fail(_ reason: String) -> DataFormatError { DataFormatError(file: file, problem: reason) }

    /// The bytes at `offset ..< offset + length`, or an error saying what was being read.
    func slice(_ offset: Int, _ length: Int, _ what: String) throws -> ArraySlice<UInt8> {
        guard offset >= 0, length >= 0, offset <= bytes.count - length else {
            throw fail("truncated: \(what) needs bytes \(offset)..<\(offset + length), the file has \(bytes.count)")
        }
        return bytes[offset..<offset + length]
    }

    func bigEndian(_ offset: Int, width: Int, _ what: String) throws -> Int {
        try slice(offset, width, what).reduce(0) { $0 << 8 | Int($1) }
    }

    func littleEndian(_ offset: Int, width: Int, _ what: String) throws -> Int {
        try slice(offset, width, what).reversed().reduce(0) { $0 << 8 | Int($1) }
    }

    func hasPrefix(_ magic: [UInt8], at offset: Int = 0) -> Bool {
        offset >= 0 && bytes.count - offset >= magic.count && bytes[offset..<offset + magic.count].elementsEqual(magic)
    }
}
