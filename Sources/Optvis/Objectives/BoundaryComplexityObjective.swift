import Tensor

/// Lucid's `penalize_boundary_complexity` (the atlas recipe's, with weight 5 and width 5), as a
/// positive penalty: over a border `width` pixels wide, the sum of (blur(x) - x)^2 + 0.8 (x - colour)^2,
/// where blur is lucid's 5 x 5 blur (weights 1 inside, 0.5 on the outer ring, zero padding,
/// divided by the weights that fall inside the image), channel by channel.
struct BoundaryComplexityTerm: ObjectiveTerm {
    let width: Int
    let colour: Float

    /// Kernel weight at offset (dy, dx), each in -2...2.
    private static func weight(_ dy: Int, _ dx: Int) -> Float {
        abs(dy) == 2 || abs(dx) == 2 ? 0.5 : 1
    }

    /// The 5 x 5 weighted sum around each pixel of one plane, each divided by `divisor` (or not).
    private static func blurSum(_ plane: ArraySlice<Float>, height: Int, width: Int, divisor: [Float]?) -> [Float] {
        let start = plane.startIndex
        var output = [Float](repeating: 0, count: height * width)
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for dy in -2...2 where y + dy >= 0 && y + dy < height {
                    for dx in -2...2 where x + dx >= 0 && x + dx < width {
                        let q = (y + dy) * width + x + dx
                        sum += weight(dy, dx) * plane[start + q] / (divisor?[q] ?? 1)
                    }
                }
                output[y * width + x] = sum
            }
        }
        return output
    }

    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor) {
        let (batch, channels, height, imageWidth) = try input.imageDimensions("boundary complexity input")
        let plane = height * imageWidth
        let inBorder = (0..<plane).map { p in
            let (y, x) = (p / imageWidth, p % imageWidth)
            return y < width || y >= height - width || x < width || x >= imageWidth - width
        }
        // The blur's normaliser: the kernel weights that fall inside the image at each pixel.
        let normaliser = Self.blurSum(ArraySlice(repeating: 1, count: plane), height: height, width: imageWidth, divisor: nil)
        var values = [Double](repeating: 0, count: batch)
        var gradient = [Float](repeating: 0, count: input.count)
        for n in 0..<batch {
            for c in 0..<channels {
                let offset = (n * channels + c) * plane
                let x = input.values[offset..<offset + plane]
                let sums = Self.blurSum(x, height: height, width: imageWidth, divisor: nil)
                // d penalty / d blur(x) at each border pixel, 2 (blur - x).
                var blurGradient = [Float](repeating: 0, count: plane)
                for p in 0..<plane where inBorder[p] {
                    let difference = sums[p] / normaliser[p] - x[offset + p]
                    let fromColour = x[offset + p] - colour
                    values[n] += Double(difference * difference + 0.8 * fromColour * fromColour)
                    blurGradient[p] = 2 * difference
                    gradient[offset + p] += -2 * difference + 1.6 * fromColour
                }
                // The blur's adjoint: the kernel is symmetric, so blur (gradient / normaliser).
                let pulled = Self.blurSum(blurGradient[...], height: height, width: imageWidth, divisor: normaliser)
                for p in 0..<plane { gradient[offset + p] += pulled[p] }
            }
        }
        return (values.map(Float.init), try Tensor(shape: input.shape, values: gradient))
    }
}

extension Objective {
    /// Lucid's boundary complexity of the image, a penalty: subtract it. The atlas recipe
    /// subtracts it with weight 1 and a border 5 pixels wide (its `w=5` is the width).
    public static func boundaryComplexity(width: Int = 5, colour: Float = 0.5, item: Int? = nil) -> Objective {
        Objective(BoundaryComplexityTerm(width: width, colour: colour), on: .image, item: item, name: "boundary complexity")
    }
}
