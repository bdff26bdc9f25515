import Tensor

/// Lucid's decorrelated colour space: each pixel's 3 channels are multiplied by the square root of
/// ImageNet's colour correlation matrix, normalised by its largest column norm.
public enum ColorDecorrelation {
    /// The square root of ImageNet's colour correlation (lucid's `color_correlation_svd_sqrt`).
    public static let correlationSquareRoot: [[Float]] = [[0.26, 0.09, 0.02],
                                                          [0.27, 0.00, -0.05],
                                                          [0.27, -0.09, 0.03]]

    /// `correlationSquareRoot` divided by its largest column norm (computed in Float, as lucid).
    public static let matrix: [[Float]] = {
        let m = correlationSquareRoot
        let largestColumnNorm = (0..<3).map { c in (0..<3).map { m[$0][c] * m[$0][c] }.reduce(0, +).squareRoot() }
            .reduce(0, max)
        return m.map { row in row.map { $0 / largestColumnNorm } }
    }()

    /// out[c] = sum_d matrix[c][d] * in[d] at every pixel of an [N, 3, H, W] batch.
    static func apply(_ x: Tensor) throws -> (Tensor, Pullback) {
        let (_, channels, height, width) = try x.imageDimensions("colour decorrelation input")
        guard channels == 3 else { throw OptvisError("colour decorrelation needs 3 channels, got shape \(x.shape)") }
        let plane = height * width
        let output = try Tensor(shape: x.shape, values: mix(x.values, plane: plane, matrix, transposed: false))
        return (output, { gradient in
            try gradient.expectShape(x.shape, "colour decorrelation gradient")
            return try Tensor(shape: x.shape, values: mix(gradient.values, plane: plane, matrix, transposed: true))
        })
    }

    /// Multiplies the channel vector of every pixel of an [N, 3, H, W] batch by `m` (or by its
    /// transpose).
    private static func mix(_ values: [Float], plane: Int, _ m: [[Float]], transposed: Bool) -> [Float] {
        let w = transposed ? (0..<3).map { r in (0..<3).map { c in m[c][r] } } : m
        var output = [Float](repeating: 0, count: values.count)
        for image in stride(from: 0, to: values.count, by: 3 * plane) {
            for p in image..<(image + plane) {
                let (a, b, c) = (values[p], values[p + plane], values[p + 2 * plane])
                for row in 0..<3 {
                    output[p + row * plane] = w[row][0] * a + w[row][1] * b + w[row][2] * c
                }
            }
        }
        return output
    }
}
