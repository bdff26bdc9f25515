/// The largest absolute difference between two arrays (infinite if their lengths differ), and the
/// largest absolute expected value: the error of a layer against a reference, and its scale.
func maxErrorAndScale(_ actual: [Float], _ expected: [Float]) -> (error: Float, scale: Float) {
    var error: Float = actual.count == expected.count ? 0 : .infinity, scale: Float = 0
    for index in 0..<min(actual.count, expected.count) {
        error = max(error, abs(actual[index] - expected[index]))
        scale = max(scale, abs(expected[index]))
    }
    return (error, scale)
}
