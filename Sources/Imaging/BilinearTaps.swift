/// Pillow's bilinear filter taps along one axis (Resample.c, `precompute_coeffs` and
/// `normalize_coeffs_8bpc`), reproduced operation for operation so that results match exactly.
///
/// Output sample i reads input samples `first[i] ..< first[i] + count[i]`, weighted by
/// `weights[i * stride ..< i * stride + count[i]]`: a triangle of half-width max(1, scale)
/// around the output's centre, normalised, in fixed point with `fractionBits` fractional bits.
struct BilinearTaps {
    /// Pillow's PRECISION_BITS: 32 - 8 - 2.
    static let fractionBits: Int32 = 22

    let first: [Int]
    let count: [Int]
    let weights: [Int32]
    let stride: Int

    init(inputSize: Int, outputSize: Int) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale
        stride = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outputSize)
        var count = [Int](repeating: 0, count: outputSize)
        var weights = [Int32](repeating: 0, count: outputSize * stride)
        var taps = [Double](repeating: 0, count: stride)
        let one = Double(1 << Self.fractionBits)
        for i in 0..<outputSize {
            let center = (Double(i) + 0.5) * scale
            let start = max(Int(center - support + 0.5), 0)
            let n = min(Int(center + support + 0.5), inputSize) - start
            var total = 0.0
            for t in 0..<n {
                let distance = abs((Double(t + start) - center + 0.5) * (1.0 / filterScale))
                taps[t] = distance < 1.0 ? 1.0 - distance : 0.0
                total += taps[t]
            }
            for t in 0..<n {
                let normalised = total != 0.0 ? taps[t] / total : taps[t]
                weights[i * stride + t] = Int32(0.5 + normalised * one)  // taps are never negative
            }
            first[i] = start
            count[i] = n
        }
        self.first = first
        self.count = count
        self.weights = weights
    }

    /// Pillow's clip8: a fixed-point sum to a byte.
    @inline(__always)
    static func byte(_ sum: Int32) -> UInt8 {
        UInt8(clamping: sum >> fractionBits)
    }

    /// The rounding term every sum starts from (one half in fixed point).
    static let half: Int32 = 1 << (fractionBits - 1)
}
