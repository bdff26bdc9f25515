/// The sum of the sixteen lanes, by halving (the standard library's `sum()` is a generic loop
/// that was left as a call in the distance kernels).
@inline(__always) func horizontalSum(_ v: SIMD16<Float>) -> Float {
    let eight = v.lowHalf + v.highHalf
    let four = eight.lowHalf + eight.highHalf
    let two = four.lowHalf + four.highHalf
    return two[0] + two[1]
}
