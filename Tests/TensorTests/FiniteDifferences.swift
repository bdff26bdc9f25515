@testable import Tensor
import XCTest

/// Central finite differences of L(x) = Σ seed · output(x), accumulated in Double, as the
/// reference for the backward pass. ReLU, ReLU6 and max pooling are piecewise linear, so away
/// from their kinks the central difference is exact up to Float rounding of the forward pass; a
/// perturbation that moves any activation across a kink (0 or 6), or changes which input wins a
/// max-pooling window, is detected from the activations themselves and left out, instead of
/// loosening the tolerance.
struct FiniteDifferences {
    let executor: GraphExecutor
    let output: NodeID
    let seed: Tensor
    /// The nodes that end in ReLU or ReLU6 (activation nodes and convolutions with one fused).
    private let kinked: [NodeID]
    /// The max-pooling nodes, with the node each reads.
    private let maxPools: [(pooling: Pooling, input: NodeID)]

    init(_ graph: Graph, output: NodeID, seed: Tensor) throws {
        executor = try GraphExecutor(graph)
        (self.output, self.seed) = (output, seed)
        let nodes = graph.nodes.indices.map(NodeID.init).filter { $0 <= output }
        kinked = nodes.filter { id in
            switch graph[id].operation {
            case .activation: return true
            case .convolution(let convolution): return convolution.activation != nil
            default: return false
            }
        }
        maxPools = nodes.compactMap { id in
            guard case .pooling(let pooling) = graph[id].operation, pooling.kind == .max else { return nil }
            return (pooling, graph[id].inputs[0])
        }
    }

    /// L at `x`, and the linear piece it lies on: for every activation whether it lies strictly
    /// between the kinks (1 or 0), then for every max-pooling window the input that wins it.
    private func evaluate(_ x: Tensor) throws -> (loss: Double, sides: [Int]) {
        let values = try executor.run(x, outputs: [output] + kinked + maxPools.map(\.input))
        var loss = 0.0
        for (y, s) in zip(values[0].values, seed.values) { loss += Double(y) * Double(s) }
        var sides: [Int] = []
        for activation in values[1..<1 + kinked.count] {
            for y in activation.values { sides.append(y > 0 && y < 6 ? 1 : 0) }
        }
        for (pool, input) in zip(maxPools, values[(1 + kinked.count)...]) {
            sides += Reference.maxPoolingWinners(input, pool.pooling)
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
