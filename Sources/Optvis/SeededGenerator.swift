import Foundation

/// A small deterministic random number generator (xoshiro256**, seeded through SplitMix64), so
/// that a render is reproducible for a given seed on every platform and Swift version. Every
/// random draw in this module goes through one, passed in explicitly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    /// The generator for one of several runs (an attempt) from the same seed; stream 0 is
    /// `init(seed:)`. SplitMix64 seeding decorrelates the streams.
    public init(seed: UInt64, stream: Int) {
        self.init(seed: seed ^ (UInt64(truncatingIfNeeded: stream) &* 0x9E37_79B9_7F4A_7C15))
    }

    public mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// A uniformly drawn index in 0..<count (count > 0).
    public mutating func index(below count: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(count)).high)
    }

    /// A uniform Double in (0, 1].
    mutating func unitInterval() -> Double {
        Double((next() >> 11) + 1) * 0x1p-53
    }

    /// Normally distributed values with mean 0 and standard deviation `sd` (Box-Muller).
    public mutating func normal(count: Int, sd: Float) -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(count)
        while values.count < count {
            let radius = (-2 * log(unitInterval())).squareRoot()
            let angle = 2 * Double.pi * unitInterval()
            values.append(Float(radius * cos(angle)) * sd)
            if values.count < count { values.append(Float(radius * sin(angle)) * sd) }
        }
        return values
    }
}
