import Tensor

/// The sum of absolute differences between vertically and horizontally neighbouring pixels of
/// each image, all channels (TensorFlow's `image.total_variation`, lucid's `total_variation`).
/// Its gradient takes sign(0) = 0, as TensorFlow's.
struct TotalVariationTerm: ObjectiveTerm {
    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor) {
        let (batch, channels, height, width) = try input.imageDimensions("total variation input")
        let x = input.values
        var gradient = [Float](repeating: 0, count: input.count)
        var values = [Double](repeating: 0, count: batch)
        func difference(_ n: Int, _ i: Int, _ j: Int) {
            let d = x[j] - x[i]
            values[n] += Double(abs(d))
            let sign: Float = d > 0 ? 1 : d < 0 ? -1 : 0
            gradient[j] += sign
            gradient[i] -= sign
        }
        for n in 0..<batch {
            for c in 0..<channels {
                let plane = (n * channels + c) * height * width
                for y in 0..<height {
                    for xx in 0..<width {
                        let i = plane + y * width + xx
                        if y + 1 < height { difference(n, i, i + width) }
                        if xx + 1 < width { difference(n, i, i + 1) }
                    }
                }
            }
        }
        return (values.map(Float.init), try Tensor(shape: input.shape, values: gradient))
    }
}

extension Objective {
    /// The image's total variation (lucid's `total_variation`), a penalty: subtract it.
    public static func totalVariation(item: Int? = nil) -> Objective {
        Objective(TotalVariationTerm(), on: .image, item: item, name: "total variation")
    }
}
