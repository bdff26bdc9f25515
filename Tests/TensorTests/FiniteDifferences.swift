@testable import Tensor
import XCTest

/// Central finite differences of L(x) = Σ seed · output(x), accumulated in Double, as the
/// reference for the backward pass. ReLU, ReLU6, clip, hard sigmoid and max pooling are piecewise
/// linear (hard swish piecewise smooth), so away from their kinks the central difference is exact
/// up to Float rounding of the forward pass (and the curvature of the smooth pieces); a
/// perturbation that moves any activation across a kink, or changes which input wins a
/// max-pooling window, is detected from the activations themselves and left out, instead of
/// loosening the tolerance.
struct FiniteDifferences {
    let executor: GraphExecutor
    let output: NodeID
    let seed: Tensor
    /// Per node that ends in an activation with kinks (an activation node or a convolution with one
    /// fused): the node whose values tell on which piece each element lies, and that piece.
    private let kinked: [(values: NodeID, piece: (Float) -> Int)]
    /// The max-pooling nodes, with the node each reads.
    private let maxPools: [(pooling: Pooling, input: NodeID)]

    init(_ graph: Graph, output: NodeID, seed: Tensor) throws {
        executor = try GraphExecutor(graph)
        (self.output, self.seed) = (output, seed)
        let nodes = graph.nodes.indices.map(NodeID.init).filter { $0 <= output }
        kinked = nodes.compactMap { id in
            switch graph[id].operation {
            case .activation(.hardSwish): return (graph[id].inputs[0], { x in x <= -3 ? 0 : x < 3 ? 1 : 2 })
            case .activation(let activation): return Self.piece(activation).map { (id, $0) }
            case .convolution(let convolution): return convolution.activation.flatMap(Self.piece).map { (id, $0) }
            default: return nil
            }
        }
        maxPools = nodes.compactMap { id in
            guard case .pooling(let pooling) = graph[id].operation, pooling.kind == .max else { return nil }
            return (pooling, graph[id].inputs[0])
        }
    }

    /// For an activation differentiated from its output: whether an output lies strictly between
    /// the kinks (1 or 0); nil for the smooth ones.
    private static func piece(_ activation: Activation) -> ((Float) -> Int)? {
        switch activation {
        case .relu: { $0 > 0 ? 1 : 0 }
        case .relu6: { $0 > 0 && $0 < 6 ? 1 : 0 }
        case .clip(let min, let max): { $0 > min && $0 < max ? 1 : 0 }
        case .hardSigmoid: { $0 > 0 && $0 < 1 ? 1 : 0 }
        case .sigmoid, .swish, .hardSwish: nil
        }
    }

    /// L at `x`, and the piece it lies on: for every kinked activation the piece of each element,
    /// then for every max-pooling window the input that wins it.
    private func evaluate(_ x: Tensor) throws -> (loss: Double, sides: [Int]) {
        let values = try executor.run(x, outputs: [output] + kinked.map(\.values) + maxPools.map(\.input))
        var loss = 0.0
        for (y, s) in zip(values[0].values, seed.values) { loss += Double(y) * Double(s) }
        var sides: [Int] = []
        for (activation, kink) in zip(values[1..<1 + kinked.count], kinked) {
            sides += activation.values.map(kink.piece)
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
