/// An 8-bit RGB image: `pixels` holds width * height * 3 bytes, interleaved, row-major.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Red, green, blue of each pixel, row by row. Changes must keep its count.
    public var pixels: [UInt8]

    /// `pixels` must hold exactly width * height * 3 bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes for \(width) x \(height) pixels")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
