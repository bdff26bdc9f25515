import Foundation

/// xoshiro256** seeded through splitmix64: the only source of randomness in Layout, passed
/// explicitly, so that a seed reproduces a layout exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator for `seed`; `stream` selects an independent sequence for the same seed
    /// (one per parallel worker).
    public init(seed: UInt64, stream: UInt64 = 0) {
        var x = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always) mutating func unitFloat() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }

    /// Uniform in 0..<bound (multiply-shift; the bias is below 2^-32 for any bound used here).
    @inline(__always) mutating func index(below bound: Int) -> Int {
        Int(truncatingIfNeeded: ((next() >> 32) &* UInt64(bound)) >> 32)
    }

    /// Standard normal (Box-Muller).
    mutating func normal() -> Double {
        let u = (Double(next() >> 11) + 0.5) * (1.0 / 9_007_199_254_740_992.0)
        let v = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
