@testable import Tensor
import XCTest

/// Central finite differences of L(x) = Σ seed · output(x), accumulated in Double, as the
/// reference for the backward pass. ReLU and ReLU6 are piecewise linear, so away from their
/// kinks the central difference is exact up to Float rounding of the forward pass; a perturbation
/// that moves any activation across a kink (0 or 6) is detected from the activations themselves
/// and left out, instead of loosening the tolerance.
struct FiniteDifferences {
    let executor: GraphExecutor
    let output: NodeID
    let seed: Tensor
    /// The nodes that end in ReLU or ReLU6 (activation nodes and convolutions with one fused).
    private let kinked: [NodeID]

    init(_ graph: Graph, output: NodeID, seed: Tensor) throws {
        executor = try GraphExecutor(graph)
        (self.output, self.seed) = (output, seed)
        kinked = graph.nodes.indices.map(NodeID.init).filter { id in
            guard id <= output else { return false }
            switch graph[id].operation {
            case .activation: return true
            case .convolution(let convolution): return convolution.activation != nil
            default: return false
            }
        }
    }

    /// L at `x`, and for every activation whether it lies strictly between the kinks.
    private func evaluate(_ x: Tensor) throws -> (loss: Double, sides: [Bool]) {
        let values = try executor.run(x, outputs: [output] + kinked)
        var loss = 0.0
        for (y, s) in zip(values[0].values, seed.values) { loss += Double(y) * Double(s) }
        var sides: [Bool] = []
        for activation in values.dropFirst() {
            for y in activation.values { sides.append(y > 0 && y < 6) }
        }
        return (loss, sides)
    }

    /// dL/dx[i] for every element, nil where a perturbation of `step` crosses a kink.
    func gradient(at x: Tensor, step: Float) throws -> [Double?] {
        let sides = try evaluate(x).sides
        return try x.values.indices.map { i in
            var up = x.values, down = x.values
            up[i] += step
            down[i] -= step
            let (a, b) = (try evaluate(Tensor(shape: x.shape, values: up)), try evaluate(Tensor(shape: x.shape, values: down)))
            guard a.sides == sides, b.sides == sides else { return nil }
            // The steps actually taken, after Float rounding.
            return (a.loss - b.loss) / (Double(up[i]) - Double(down[i]))
        }
    }

    /// dL/dx along `direction`, from ±`step` · direction.
    func directionalDerivative(at x: Tensor, along direction: Tensor, step: Float) throws -> Double {
        let up = try Tensor(shape: x.shape, values: zip(x.values, direction.values).map { $0 + step * $1 })
        let down = try Tensor(shape: x.shape, values: zip(x.values, direction.values).map { $0 - step * $1 })
        return (try evaluate(up).loss - evaluate(down).loss) / (2 * Double(step))
    }
}

/// Compares an analytic gradient with finite differences: the largest difference over the
/// elements checked, relative to the largest finite-difference value (at least 1), must be within
/// `tolerance`, and kink crossings may leave out at most a fifth of the elements. Returns the
/// error, for reports.
@discardableResult
func assertGradient(_ analytic: Tensor, _ numeric: [Double?], tolerance: Double, _ what: String,
                    file: StaticString = #filePath, line: UInt = #line) -> Double {
    XCTAssertEqual(analytic.count, numeric.count, "\(what): element count", file: file, line: line)
    let checked = zip(analytic.values, numeric).compactMap { a, n in n.map { (Double(a), $0) } }
    XCTAssertGreaterThanOrEqual(checked.count * 5, numeric.count * 4,
                                "\(what): \(numeric.count - checked.count) of \(numeric.count) perturbations crossed a kink",
                                file: file, line: line)
    let scale = max(1, checked.map { abs($0.1) }.max() ?? 0)
    let error = checked.map { abs($0.0 - $0.1) }.max() ?? 0
    XCTAssertLessThanOrEqual(error / scale, tolerance, "\(what): gradient differs from finite differences by \(error)",
                             file: file, line: line)
    XCTAssertTrue(checked.contains { $0.1 != 0 }, "\(what): every finite difference is zero", file: file, line: line)
    return error / scale
}
