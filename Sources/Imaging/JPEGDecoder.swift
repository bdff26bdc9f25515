import CJPEG
import Foundation

/// Decodes a baseline or progressive JPEG (grey, YCbCr, RGB, CMYK, YCCK): see `cjpeg_decode_rgb`.
func decodeJPEG(_ data: Data, name: String) throws -> RGBImage {
    try decode(data, name: name, format: "JPEG", with: cjpeg_decode_rgb)
}
