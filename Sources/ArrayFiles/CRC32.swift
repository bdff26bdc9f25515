import CZlib
import Foundation

/// zlib's CRC-32 of `data` (the checksum that shards of collections and indexes carry in their
/// manifests, so that a damaged shard is refused, not read as numbers). zlib's implementation
/// runs at several GB/s; its length type is 32-bit, so large buffers go in chunks.
public func crc32(_ data: Data) -> UInt32 {
    data.withUnsafeBytes { crc32($0) }
}

/// zlib's CRC-32 of `buffer` (a mapped file's bytes).
public func crc32(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
    var crc: uLong = CZlib.crc32(0, nil, 0)
    var offset = 0
    while offset < buffer.count {
        let count = min(buffer.count - offset, 1 << 30)
        crc = CZlib.crc32(crc, buffer.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(count))
        offset += count
    }
    return UInt32(truncatingIfNeeded: crc)
}
