import ArrayFiles
import Foundation

/// Images with more pixels than Pillow's decompression-bomb limit (2 x 89,478,485) are refused.
let maximumPixelCount = 178_956_970

/// Reads and decodes a PNG, JPEG or WebP file (told apart by their first bytes, not by the
/// file's extension) to 8-bit RGB.
///
/// Like Pillow's `convert("RGB")`, which torchvision's loaders use, an alpha channel (or PNG
/// transparency) is dropped, not composited: the colour under a transparent pixel is kept.
public func decodeImage(at path: String) throws -> RGBImage {
    let data: Data
    do {
        data = try RegularFile.read(path, kind: "image", limit: RegularFile.imageLimit)
    } catch let error as FileReadError {
        throw ImageError(file: path, problem: error.problem)
    }
    return try decodeImage(data, name: path)
}

/// Decodes a PNG, JPEG or WebP held in memory (see `decodeImage(at:)`); `name` is what errors
/// call it.
public func decodeImage(_ data: Data, name: String) throws -> RGBImage {
    switch ImageFormat(sniffing: data) {
    case .png: return try decodePNG(data, name: name)
    case .jpeg: return try decodeJPEG(data, name: name)
    case .webp: return try decodeWebP(data, name: name)
    case nil:
        if data.isEmpty { throw ImageError(file: name, problem: "empty file") }
        let start = data.prefix(12).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw ImageError(file: name, problem: "not a PNG, JPEG or WebP image (starts with \(start))")
    }
}
