import Foundation
import Optvis
import Tensor
import XCTest

/// Random tensors for tests, from a seeded generator.
public func randomTensor(_ shape: [Int], sd: Float = 1, mean: Float = 0, using generator: inout SeededGenerator) throws -> Tensor {
    try Tensor(shape: shape, values: generator.normal(count: shape.reduce(1, *), sd: sd).map { $0 + mean })
}

/// sum_i a_i b_i in Double.
public func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Checks a vector-Jacobian product against central finite differences of L(x) = <cotangent, f(x)>,
/// computed in Double from f's Float outputs, at every coordinate of `x` (or at `coordinates`).
///
/// The error of a central difference is about h^2 |f'''| / 6 (truncation) plus eps_f |L| / h
/// (Float rounding of f's outputs, eps_f ~ 6e-8); `tolerance` is relative to the largest gradient
/// component, and callers pick h and tolerance for their function (see each test).
public func checkGradient(
    at x: [Float], step h: Float, tolerance: Double,
    _ function: ([Float]) throws -> [Float],
    cotangent: [Float], analytic: [Float], coordinates: [Int]? = nil, label: String = "",
    file: StaticString = #filePath, line: UInt = #line
) throws {
    XCTAssertEqual(analytic.count, x.count, "gradient size \(label)", file: file, line: line)
    let checked = coordinates ?? Array(x.indices)
    var numeric = [Double](repeating: 0, count: x.count)
    var shifted = x
    for i in checked {
        shifted[i] = x[i] + h
        let plus = dot(cotangent, try function(shifted))
        shifted[i] = x[i] - h
        let minus = dot(cotangent, try function(shifted))
        shifted[i] = x[i]
        // The step actually taken, after Float rounding of x +- h.
        numeric[i] = (plus - minus) / (Double(x[i] + h) - Double(x[i] - h))
    }
    let scale = max(checked.map { abs(numeric[$0]) }.max() ?? 0, 1e-12)
    let worst = checked.map { abs(numeric[$0] - Double(analytic[$0])) }.max() ?? 0
    XCTAssertLessThan(worst / scale, tolerance, "\(label): largest finite-difference mismatch \(worst) for gradients of size \(scale)",
                      file: file, line: line)
    XCTAssertGreaterThan(scale, 1e-6, "\(label): the gradient checked is not all zero", file: file, line: line)
}

/// `count` distinct coordinates below `size`, drawn from `generator`.
public func sampleCoordinates(_ count: Int, of size: Int, using generator: inout SeededGenerator) -> [Int] {
    var chosen = Set<Int>()
    while chosen.count < min(count, size) { chosen.insert(generator.index(below: size)) }
    return chosen.sorted()
}

/// Checks `gradient`, the derivative of `loss` at `image`, against central differences (`step`,
/// 1e-4 by default) along three directions, within `tolerance` relative. Random directions carry almost none
/// of the gradient (their derivative is ~1/sqrt(n) of its norm and drowns in rounding), so each
/// mixes the gradient's own direction with noise: the steepest ascent, its signs with random
/// sizes, half of it plus noise.
public func assertGradientMatchesCentralDifferences(_ gradient: Tensor, at image: Tensor, using random: inout SeededGenerator,
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
