import Foundation
import Tensor

/// Rotates each image about its centre by an angle drawn uniformly from `degrees`, keeping its
/// size and reading zero outside it (lucid's `random_rotate`, TensorFlow Addons' `rotate`).
///
/// Differences from lucid, on purpose: bilinear sampling (lucid's default is nearest neighbour,
/// whose result does not move smoothly with the image), and pi rather than lucid's 3.14 in the
/// conversion to radians.
public struct RandomRotate: ImageTransform {
    public let degrees: [Float]

    public init(degrees: [Float]) {
        self.degrees = degrees
    }

    public func apply(to images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback) {
        let (_, _, height, width) = try images.imageDimensions("random rotate input")
        guard !degrees.isEmpty else { throw OptvisError("random rotate needs at least one angle") }
        let angle = degrees[generator.index(below: degrees.count)] * .pi / 180
        let (c, s) = (cos(angle), sin(angle))
        // TensorFlow Addons' `angles_to_projective_transforms`: output (x, y) reads input
        // (c x - s y + dx, s x + c y + dy), which keeps the centre ((w-1)/2, (h-1)/2) in place.
        let (w1, h1) = (Float(width - 1), Float(height - 1))
        let dx = (w1 - (c * w1 - s * h1)) / 2, dy = (h1 - (s * w1 + c * h1)) / 2
        let sampling = BilinearSampling(sourceHeight: height, sourceWidth: width, height: height, width: width,
                                        edges: .zero) { y, x in
            let (fx, fy) = (Float(x), Float(y))
            return (s * fx + c * fy + dy, c * fx - s * fy + dx)
        }
        return try sampling.apply(to: images)
    }
}
