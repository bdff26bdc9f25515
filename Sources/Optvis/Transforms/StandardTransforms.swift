import Foundation

/// The transformation robustness of the activation atlas icons (ALGORITHMS.md section 6, lucid's
/// atlas notebook and recipe): pad, jitter 4, 4, 8, 8, 8, a random scale from
/// {0.995^n, n = -5...79} and twice {0.998^n, n = 20...39}, a random rotation from
/// -20..<20, -10..<10, -5..<5 and five times 0 degrees, jitter 2, then crop or pad back to
/// `size` x `size`. The padding is the recipe's (16 pixels of 0.5) unless given; the notebook
/// pads 2 pixels of 1.0.
public func standardTransforms(size: Int, padding: Int = 16, padValue: Float = 0.5,
                               draws: TransformPipeline.Draws = .perImage) -> TransformPipeline {
    let scales = (-5...79).map { Float(pow(0.995, Double($0))) }
        + Array(repeating: (20...39).map { Float(pow(0.998, Double($0))) }, count: 2).flatMap { $0 }
    let degrees = (Array(-20..<20) + Array(-10..<10) + Array(-5..<5) + Array(repeating: 0, count: 5)).map(Float.init)
    return TransformPipeline([
        Pad(padding, value: padValue),
        Jitter(4), Jitter(4), Jitter(8), Jitter(8), Jitter(8),
        RandomScale(scales),
        RandomRotate(degrees: degrees),
        Jitter(2),
        CropOrPad(height: size, width: size),
    ], draws: draws)
}
