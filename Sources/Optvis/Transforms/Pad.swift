import Tensor

/// Pads every side of each image by `width` pixels of a constant value (lucid's
/// `pad(w, mode="constant", constant_value=...)`).
public struct Pad: ImageTransform {
    public let width: Int
    public let value: Float

    public init(_ width: Int, value: Float = 0.5) {
        (self.width, self.value) = (width, value)
    }

    public func apply(to images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback) {
        let (_, _, height, imageWidth) = try images.imageDimensions("pad input")
        guard width >= 0 else { throw OptvisError("pad width must be non-negative, got \(width)") }
        return try Window(top: -width, left: -width, height: height + 2 * width, width: imageWidth + 2 * width,
                          fill: value).apply(to: images)
    }
}
