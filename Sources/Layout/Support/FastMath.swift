/// log2, exp2 and pow on eight floats at once, to about 1e-4 relative error, for the inner
/// loops of the layout optimisers where Foundation's pow would cost more than all the other
/// arithmetic together. Conversions between integers and floats go through bit patterns
/// ("magic number" tricks): the standard library's SIMD conversions are not vectorised.
typealias Float8 = SIMD8<Float>

/// Each lane limited to [low, high]. Written as two selects, which compile to vector max/min;
/// lane-by-lane min/max (and pointwiseMin/Max, not inlined) compiled to a branch per lane once
/// inlined with constant bounds, which made fastPow a tree of 16 compares and jumps.
@inline(__always) func clamp(_ v: Float8, _ low: Float, _ high: Float) -> Float8 {
    let raised = v.replacing(with: low, where: v .< low)
    return raised.replacing(with: high, where: raised .> high)
}

@inline(__always) private func bits(_ x: Float8) -> SIMD8<UInt32> { unsafeBitCast(x, to: SIMD8<UInt32>.self) }
@inline(__always) private func float(_ x: SIMD8<UInt32>) -> Float8 { unsafeBitCast(x, to: Float8.self) }

/// c + a x, one fused multiply-add per lane (a shorter dependency chain than a product, then a sum).
@inline(__always) private func muladd(_ c: Float, _ a: Float8, _ x: Float8) -> Float8 {
    Float8(repeating: c).addingProduct(a, x)
}

@inline(__always) func fastLog2(_ x: Float8) -> Float8 {
    let b = bits(x)
    // 2^23 + e as a float, minus (2^23 + 127), is the unbiased exponent e - 127.
    let exponent = float((b &>> 23) | 0x4B00_0000) - 8_388_735
    let m = float((b & 0x007F_FFFF) | 0x3F80_0000)  // mantissa in [1, 2)
    var polynomial = muladd(0.447_179_55, Float8(repeating: -0.056_570_851), m)
    polynomial = muladd(-1.469_956_8, polynomial, m)
    polynomial = muladd(2.821_202_6, polynomial, m)
    polynomial = muladd(-1.741_793_9, polynomial, m)
    return exponent + polynomial
}

@inline(__always) func fastExp2(_ y: Float8) -> Float8 {
    let clamped = clamp(y, -126, 126)
    // Adding 1.5 x 2^23 rounds to an integer held in the low mantissa bits.
    let shifted = clamped + 12_582_912
    let whole = shifted - 12_582_912
    let f = clamped - whole  // in [-0.5, 0.5]
    var polynomial = muladd(0.009_618_129, Float8(repeating: 0.001_333_355), f)
    polynomial = muladd(0.055_504_11, polynomial, f)
    polynomial = muladd(0.240_226_5, polynomial, f)
    polynomial = muladd(0.693_147_2, polynomial, f)
    polynomial = muladd(1, polynomial, f)
    let n = bits(shifted) &- 0x4B40_0000  // round(clamped), two's complement
    return polynomial * float((n &+ 127) &<< 23)
}

/// x^y for x > 0 (x below the smallest normal float counts as that).
@inline(__always) func fastPow(_ x: Float8, _ y: Float) -> Float8 {
    fastExp2(y * fastLog2(clamp(x, Float.leastNormalMagnitude, Float.greatestFiniteMagnitude)))
}

/// The sum of the sixteen lanes, by halving (the standard library's `sum()` is a generic loop
/// that was left as a call in the distance kernels).
@inline(__always) func horizontalSum(_ v: SIMD16<Float>) -> Float {
    let eight = v.lowHalf + v.highHalf
    let four = eight.lowHalf + eight.highHalf
    let two = four.lowHalf + four.highHalf
    return two[0] + two[1]
}
