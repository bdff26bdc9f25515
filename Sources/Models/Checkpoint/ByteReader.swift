/// A bounds-checked cursor over a file's bytes. Every read that would pass the end throws a
/// `FormatProblem` saying what was being read, where, and how many bytes were left.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    /// The next `count` bytes; `what` names them for the truncation message.
    mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw FormatProblem("truncated: \(what()) needs \(count) bytes at byte \(position), but only \(remaining) remain")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    mutating func byte(_ what: @autoclosure () -> String) throws -> UInt8 {
        try take(1, what())[0]
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ order: ByteOrder,
                                                _ what: @autoclosure () -> String) throws -> T {
        let raw = try take(MemoryLayout<T>.size, what()).loadUnaligned(as: T.self)
        return order == .little ? T(littleEndian: raw) : T(bigEndian: raw)
    }
}

/// The byte order of a checkpoint's raw tensor data.
enum ByteOrder: Sendable {
    case little, big
}
