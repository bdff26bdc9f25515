import CJPEG
import CPNG
import Foundation

/// The calling convention shared by the C decoders `cpng_decode_rgb` and `cjpeg_decode_rgb`:
/// (data, size, max pixels, out pixels, out width, out height, message) -> 1 on success.
typealias CDecoder = (
    UnsafePointer<UInt8>?, Int, Int,
    UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
    UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?,
    UnsafeMutablePointer<CChar>?
) -> Int32

/// Room for either C decoder's message.
private let messageCapacity = max(Int(CPNG_MESSAGE_CAPACITY), Int(CJPEG_MESSAGE_CAPACITY))

/// Runs a C decoder on `data` and copies its RGB output into an `RGBImage`; on failure, an
/// `ImageError` saying "bad <format>: <the decoder's message>".
func decode(_ data: Data, name: String, format: String, with decoder: CDecoder) throws -> RGBImage {
    var pixels: UnsafeMutablePointer<UInt8>?
    var width: Int32 = 0
    var height: Int32 = 0
    var message = [CChar](repeating: 0, count: messageCapacity)
    let succeeded = data.withUnsafeBytes { raw in
        decoder(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, maximumPixelCount,
                &pixels, &width, &height, &message)
    }
    guard succeeded == 1, let pixels else {
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        throw ImageError(file: name, problem: "bad \(format): \(text)")
    }
    defer { free(pixels) }
    let count = Int(width) * Int(height) * 3
    return RGBImage(width: Int(width), height: Int(height),
                    pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
}
