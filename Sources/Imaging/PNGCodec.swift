import ArrayFiles
import CPNG
import Foundation

/// Decodes a PNG of any colour type, bit depth and interlacing: see `cpng_decode_rgb`.
func decodePNG(_ data: Data, name: String) throws -> RGBImage {
    try decode(data, name: name, format: "PNG", with: cpng_decode_rgb)
}

extension RGBImage {
    /// The image as PNG bytes: 8-bit RGB, not interlaced, libpng's default compression.
    public func pngData() throws -> Data {
        guard pixels.count == width * height * 3 else {
            throw ImageError(file: "\(width) x \(height) image",
                             problem: "cannot encode as PNG: it holds \(pixels.count) bytes, not \(width * height * 3)")
        }
        var png: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: Int(CPNG_MESSAGE_CAPACITY))
        let succeeded = pixels.withUnsafeBufferPointer { buffer in
            cpng_encode_rgb(buffer.baseAddress, Int32(clamping: width), Int32(clamping: height),
                            &png, &size, &message)
        }
        guard succeeded == 1, let png else {
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ImageError(file: "\(width) x \(height) image", problem: "cannot encode as PNG: \(text)")
        }
        return Data(bytesNoCopy: png, count: size, deallocator: .free)
    }

    /// Writes the image as a PNG file, atomically (a temporary file, then a rename).
    /// Throws `ImageError` if it cannot be encoded, `FileWriteError` if it cannot be written.
    public func writePNG(to path: String) throws {
        let data: Data
        do {
            data = try pngData()
        } catch let error as ImageError {
            throw ImageError(file: path, problem: error.problem)
        }
        try writeAtomically(data, to: path)
    }
}
