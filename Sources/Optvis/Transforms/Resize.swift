import Tensor

/// Bilinear resizing as TensorFlow 1's `image.resize_bilinear` (no corner alignment, no half-pixel
/// centres): output pixel i reads source position i * (source size / output size), clamped at the
/// edge. What lucid's `random_scale` uses.
func resizeBilinear(_ images: Tensor, height: Int, width: Int) throws -> (Tensor, Pullback) {
    let (_, _, sourceHeight, sourceWidth) = try images.imageDimensions("resize input")
    guard height > 0, width > 0 else {
        throw OptvisError("cannot resize \(sourceHeight)x\(sourceWidth) images to \(height)x\(width)")
    }
    let scaleY = Float(sourceHeight) / Float(height), scaleX = Float(sourceWidth) / Float(width)
    let sampling = BilinearSampling(sourceHeight: sourceHeight, sourceWidth: sourceWidth, height: height, width: width,
                                    edges: .clamp) { y, x in (Float(y) * scaleY, Float(x) * scaleX) }
    return try sampling.apply(to: images)
}

/// Resizes each image to height x width, bilinearly (TensorFlow 1's `resize_bilinear`).
public struct Resize: ImageTransform {
    public let height: Int
    public let width: Int

    public init(height: Int, width: Int) {
        (self.height, self.width) = (height, width)
    }

    public func apply(to images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback) {
        try resizeBilinear(images, height: height, width: width)
    }
}

/// Rescales each image by a factor drawn uniformly from `scales` (lucid's `random_scale`): the new
/// size is the integer part of factor x size, computed in Float as TensorFlow does.
public struct RandomScale: ImageTransform {
    public let scales: [Float]

    public init(_ scales: [Float]) {
        self.scales = scales
    }

    public func apply(to images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback) {
        let (_, _, height, width) = try images.imageDimensions("random scale input")
        guard !scales.isEmpty else { throw OptvisError("random scale needs at least one scale") }
        let scale = scales[generator.index(below: scales.count)]
        return try resizeBilinear(images, height: Int(scale * Float(height)), width: Int(scale * Float(width)))
    }
}
