import Optvis
import Tensor
import XCTest

/// Checks `gradient`, the derivative of `loss` at `image`, against central differences (`step`,
/// 1e-4 by default) along three directions, within `tolerance` relative. Random directions carry almost none
/// of the gradient (their derivative is ~1/sqrt(n) of its norm and drowns in rounding), so each
/// mixes the gradient's own direction with noise: the steepest ascent, its signs with random
/// sizes, half of it plus noise.
func assertGradientMatchesCentralDifferences(_ gradient: Tensor, at image: Tensor, using random: inout SeededGenerator,
                                             label: String, tolerance: Double = 0.01, step: Float = 1e-4,
                                             loss: (Tensor) throws -> Double) throws {
    let largest = gradient.values.map(abs).max()!
    XCTAssertGreaterThan(largest, 0, label)
    let directions: [[Float]] = [
        gradient.values.map { $0 / largest },
        gradient.values.map { ($0 > 0 ? 1 : -1) * Float.random(in: 0...1, using: &random) },
        gradient.values.map { 0.5 * $0 / largest + Float.random(in: -1...1, using: &random) },
    ]
    for (trial, direction) in directions.enumerated() {
        let analytic = zip(gradient.values, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        func moved(_ sign: Float) throws -> Tensor {
            try Tensor(shape: image.shape, values: zip(image.values, direction).map { $0 + sign * step * $1 })
        }
        let numeric = (try loss(moved(1)) - loss(moved(-1))) / (2 * Double(step))
        print("\(label), direction \(trial): analytic \(analytic), finite difference \(numeric), "
            + "relative error \(abs(analytic - numeric) / abs(numeric))")
        XCTAssertEqual(analytic, numeric, accuracy: tolerance * abs(numeric), "\(label), direction \(trial)")
    }
}
