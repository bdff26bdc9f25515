import CWebP
import Foundation

/// Decodes a still WebP, lossy or lossless, straight into an RGB buffer (alpha dropped).
/// libwebp reports errors by status code, so no C wrapper is needed.
func decodeWebP(_ data: Data, name: String) throws -> RGBImage {
    func failure(_ problem: String) -> ImageError { ImageError(file: name, problem: "bad WebP: \(problem)") }
    var config = WebPDecoderConfig()
    guard WebPInitDecoderConfig(&config) != 0 else { throw failure("libwebp version mismatch") }
    return try data.withUnsafeBytes { raw in
        let bytes = raw.bindMemory(to: UInt8.self).baseAddress
        var status = WebPGetFeatures(bytes, raw.count, &config.input)
        guard status == VP8_STATUS_OK else { throw failure(describe(status)) }
        guard config.input.has_animation == 0 else { throw failure("animated WebP is not supported") }
        let width = Int(config.input.width)
        let height = Int(config.input.height)
        guard width * height <= maximumPixelCount else {
            throw failure("\(width) x \(height) pixels is more than the limit of \(maximumPixelCount)")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        status = pixels.withUnsafeMutableBufferPointer { buffer in
            config.output.colorspace = MODE_RGB
            config.output.is_external_memory = 1
            config.output.u.RGBA.rgba = buffer.baseAddress
            config.output.u.RGBA.stride = Int32(width * 3)
            config.output.u.RGBA.size = buffer.count
            defer { WebPFreeDecBuffer(&config.output) }
            return WebPDecode(bytes, raw.count, &config)
        }
        guard status == VP8_STATUS_OK else { throw failure(describe(status)) }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

/// What a libwebp status code means for a file.
private func describe(_ status: VP8StatusCode) -> String {
    switch status {
    case VP8_STATUS_NOT_ENOUGH_DATA: return "file ends early (truncated)"
    case VP8_STATUS_BITSTREAM_ERROR: return "corrupt bitstream"
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature"
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory"
    default: return "libwebp status \(status.rawValue)"
    }
}
