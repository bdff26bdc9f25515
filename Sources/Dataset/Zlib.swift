import CZlib

/// A zlib stream (RFC 1950) that cannot be decoded, with the reason.
struct ZlibError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// Decoding of zlib streams, as Qt's `qCompress` writes them into resource files, by Debian's zlib.
enum Zlib {
    /// The `expectedLength` bytes that `stream` holds; anything else is an error.
    static func decompress(_ stream: [UInt8], expectedLength: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: max(expectedLength, 1))
        var length = uLongf(output.count)
        let status = output.withUnsafeMutableBufferPointer { out in
            stream.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress, &length, input.baseAddress, uLong(input.count))
            }
        }
        switch status {
        case Z_OK:
            guard Int(length) == expectedLength else {
                throw ZlibError(reason: "zlib data gives \(length) bytes, expected \(expectedLength)")
            }
            return Array(output.prefix(expectedLength))
        case Z_BUF_ERROR:
            throw ZlibError(reason: "zlib data is truncated or longer than the \(expectedLength) bytes expected")
        case Z_DATA_ERROR:
            throw ZlibError(reason: "corrupt zlib data (bad header, block or checksum)")
        default:
            throw ZlibError(reason: "zlib error \(status)")
        }
    }
}
