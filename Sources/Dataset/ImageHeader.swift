/// The image file formats atlas reads, told apart by their first bytes.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp

    /// The format whose signature `prefix` starts with (at least 12 bytes are needed for WebP).
    public init?<Bytes: Collection>(signature prefix: Bytes) where Bytes.Element == UInt8 {
        let view = ByteView(bytes: Array(prefix.prefix(12)), file: "")
        if view.hasPrefix([0xff, 0xd8, 0xff]) {
            self = .jpeg
        } else if view.hasPrefix([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) {
            self = .png
        } else if view.hasPrefix(Array("RIFF".utf8)), view.hasPrefix(Array("WEBP".utf8), at: 8) {
            self = .webp
        } else {
            return nil
        }
    }
}

/// An image's format and size, read from its header without decoding pixels.
public struct ImageHeader: Equatable, Sendable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int

    public init(format: ImageFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }

    /// Reads the header of a JPEG (first SOF marker), PNG (IHDR) or WebP (VP8, VP8L or VP8X
    /// chunk) file; `file` names it in errors.
    public init(bytes: [UInt8], file: String) throws {
        let view = ByteView(bytes: bytes, file: file)
        guard let format = ImageFormat(signature: bytes) else {
            throw view.fail("not a JPEG, PNG or WebP file (unknown signature)")
        }
        let size: (width: Int, height: Int)
        switch format {
        case .jpeg: size = try Self.jpegSize(view)
        case .png: size = try Self.pngSize(view)
        case .webp: size = try Self.webpSize(view)
        }
        guard size.width > 0, size.height > 0 else { throw view.fail("\(format.rawValue) header gives an empty size \(size.width)x\(size.height)") }
        self.init(format: format, width: size.width, height: size.height)
    }

    public var shortSide: Int { min(width, height) }

    private static func pngSize(_ view: ByteView) throws -> (width: Int, height: Int) {
        guard view.hasPrefix(Array("IHDR".utf8), at: 12) else { throw view.fail("PNG does not start with an IHDR chunk") }
        return (try view.bigEndian(16, width: 4, "PNG width"), try view.bigEndian(20, width: 4, "PNG height"))
    }

    /// Walks the marker segments up to the first start-of-frame (SOF0-SOF15 but DHT, JPG and DAC).
    private static func jpegSize(_ view: ByteView) throws -> (width: Int, height: Int) {
        var offset = 2
        while true {
            guard try view.bigEndian(offset, width: 1, "JPEG marker") == 0xff else {
                throw view.fail("JPEG marker expected at byte \(offset)")
            }
            let marker = try view.bigEndian(offset + 1, width: 1, "JPEG marker")
            if marker == 0xff { offset += 1; continue }  // fill byte
            if marker == 0x01 || (0xd0...0xd7).contains(marker) { offset += 2; continue }  // no length
            if marker == 0xda || marker == 0xd9 { throw view.fail("JPEG has no start-of-frame marker before its scan data") }
            let length = try view.bigEndian(offset + 2, width: 2, "JPEG segment length")
            if (0xc0...0xcf).contains(marker), ![0xc4, 0xc8, 0xcc].contains(marker) {
                return (try view.bigEndian(offset + 7, width: 2, "JPEG width"), try view.bigEndian(offset + 5, width: 2, "JPEG height"))
            }
            guard length >= 2 else { throw view.fail("JPEG segment at byte \(offset) has length \(length)") }
            offset += 2 + length
        }
    }

    /// The first chunk after `RIFF....WEBP` decides: lossy `VP8 `, lossless `VP8L` or extended `VP8X`.
    private static func webpSize(_ view: ByteView) throws -> (width: Int, height: Int) {
        let chunk = 20
        if view.hasPrefix(Array("VP8 ".utf8), at: 12) {
            guard view.hasPrefix([0x9d, 0x01, 0x2a], at: chunk + 3) else { throw view.fail("VP8 chunk lacks its start code") }
            return (try view.littleEndian(chunk + 6, width: 2, "VP8 width") & 0x3fff,
                    try view.littleEndian(chunk + 8, width: 2, "VP8 height") & 0x3fff)
        }
        if view.hasPrefix(Array("VP8L".utf8), at: 12) {
            guard try view.bigEndian(chunk, width: 1, "VP8L signature") == 0x2f else { throw view.fail("VP8L chunk lacks its 0x2f signature") }
            let bits = try view.littleEndian(chunk + 1, width: 4, "VP8L size")
            return ((bits & 0x3fff) + 1, (bits >> 14 & 0x3fff) + 1)
        }
        if view.hasPrefix(Array("VP8X".utf8), at: 12) {
            return (try view.littleEndian(chunk + 4, width: 3, "VP8X canvas width") + 1,
                    try view.littleEndian(chunk + 7, width: 3, "VP8X canvas height") + 1)
        }
        throw view.fail("WebP's first chunk is none of VP8, VP8L, VP8X")
    }
}
