import Tensor

/// A random crop `distance` pixels smaller in each dimension, at an offset drawn uniformly from
/// 0...distance along each axis (lucid's `jitter(d)`, TensorFlow's `random_crop`).
public struct Jitter: ImageTransform {
    public let distance: Int

    public init(_ distance: Int) {
        self.distance = distance
    }

    public func apply(to images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback) {
        let (_, _, height, width) = try images.imageDimensions("jitter input")
        guard distance >= 0, distance < height, distance < width else {
            throw OptvisError("jitter by \(distance) pixels needs images larger than that, got \(height)x\(width)")
        }
        let top = generator.index(below: distance + 1), left = generator.index(below: distance + 1)
        return try Window(top: top, left: left, height: height - distance, width: width - distance, fill: 0)
            .apply(to: images)
    }
}
