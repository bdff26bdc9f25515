@testable import Paint
import Optvis
import Tensor
import XCTest

/// The painting's grid objective: sum_p w_p cos(a_p, t_p) over painted positions.
final class CosineGridTermTests: XCTestCase {
    /// Central differences (step 1e-3; the cosine is smooth away from a = 0, values of order 1,
    /// so rounding ~1e-4 and truncation ~1e-6 against gradients of order 0.1-1: tolerance 2e-3)
    /// at every coordinate of a 2 x 5 x 2 x 3 activation with free positions and weights.
    func testGradientMatchesFiniteDifferencesAndValueIsTheWeightedCosine() throws {
        var generator = SeededGenerator(seed: 41)
        let input = try Tensor(shape: [2, 5, 2, 3], values: generator.normal(count: 60, sd: 1))
        let vectors = (0..<3).map { _ in generator.normal(count: 5, sd: 1) }
        let targets: [(vector: [Float], weight: Float)?] = [(vectors[0], 1), nil, (vectors[1], 2), (vectors[2], 0.5), nil, (vectors[0], 1)]
        let term = try CosineGridTerm(height: 2, width: 3, targets: targets)
        let (values, gradient) = try term.evaluate(input)
        for n in 0..<2 {
            var expected = 0.0
            for (p, target) in targets.enumerated() {
                guard let (vector, weight) = target else { continue }
                let a = (0..<5).map { Double(input.values[(n * 5 + $0) * 6 + p]) }
                let dot = zip(a, vector).reduce(0) { $0 + $1.0 * Double($1.1) }
                let norms = (a.reduce(0) { $0 + $1 * $1 } * vector.reduce(0) { $0 + Double($1) * Double($1) }).squareRoot()
                expected += Double(weight) * dot / norms
            }
            XCTAssertEqual(Double(values[n]), expected, accuracy: 1e-5)
        }
        let h: Float = 1e-3
        var worst = 0.0, largest = 0.0
        for i in input.values.indices {
            var plus = input.values, minus = input.values
            plus[i] += h
            minus[i] -= h
            let up = try term.evaluate(Tensor(shape: input.shape, values: plus)).values.reduce(0, +)
            let down = try term.evaluate(Tensor(shape: input.shape, values: minus)).values.reduce(0, +)
            let numeric = (Double(up) - Double(down)) / Double(2 * h)
            worst = max(worst, abs(numeric - Double(gradient.values[i])))
            largest = max(largest, abs(numeric))
        }
        XCTAssertGreaterThan(largest, 0.05)
        XCTAssertLessThan(worst / largest, 2e-3)
        // Free positions get no gradient.
        for n in 0..<2 { for c in 0..<5 { XCTAssertEqual(gradient.values[(n * 5 + c) * 6 + 1], 0) } }
    }
}
