@testable import Tensor
import XCTest

/// The backward pass against central finite differences: each operation alone, then a small
/// MobileNetV2-like network. Forward passes run in Float; with steps of 1e-2 on values of order 1
/// and piecewise-linear operations, Float rounding leaves finite differences within about 2e-5
/// of the true gradient (relative to its largest element, measured), and softmax's curvature adds
/// about step² = 1e-4 times its third derivative (< 0.1). The network needs steps of 3e-3 (fewer
/// kink crossings) and its loss moves hundreds of outputs at once: rounding reaches 3e-4 there.
/// 1e-3 is above all of these, and far below the error of any wrong backward (order 1).
final class GradientTests: XCTestCase {
    private var random = SeededGenerator(seed: 23)
    private let tolerance = 1e-3

    /// The input gradient of `output` (or of its last node) for random x and seed.
    private func check(_ graph: Graph, input shape: [Int], output: NodeID? = nil, inputRange: ClosedRange<Float> = -1...1,
                       step: Float = 1e-2, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let output = output ?? NodeID(index: graph.nodes.count - 1)
        let x = random.tensor(shape, in: inputRange)
        let outputShape = try graph.shapes(input: shape)[output.index]
        let seed = random.tensor(outputShape)
        let reference = try FiniteDifferences(graph, output: output, seed: seed)
        let (_, pullback) = try GraphExecutor(graph).runWithPullback(x, to: output, gradientsAt: [graph.input])
        let error = assertGradient(try pullback(seed)[0], try reference.gradient(at: x, step: step), tolerance: tolerance, what,
                                   file: file, line: line)
        print("gradient check \(what): relative error \(error)")
    }

    private func convolutionGraph(_ shape: [Int], groups: Int = 1, kernel: Int = 3, stride: Int = 1,
                                  padding: Padding = .symmetric(1), activation: Activation? = nil) throws -> Graph {
        var graph = Graph(inputChannels: shape[1])
        let weights = random.tensor([shape[0], shape[1] / groups, kernel, kernel])
        try graph.append(.convolution(Convolution(weights: weights, bias: random.values(shape[0]), stride: stride,
                                                  padding: padding, groups: groups, activation: activation)),
                         graph.input, name: "conv")
        return graph
    }

    func testConvolutions() throws {
        try check(convolutionGraph([6, 4]), input: [1, 4, 6, 6], "3x3 convolution")
        try check(convolutionGraph([5, 4], kernel: 1), input: [1, 4, 4, 4], "1x1 convolution")
        try check(convolutionGraph([6, 4], stride: 2), input: [1, 4, 7, 6], "strided 3x3 convolution")
        try check(convolutionGraph([6, 4], stride: 2, padding: Padding(top: 0, left: 0, bottom: 1, right: 1)),
                  input: [1, 4, 8, 8], "strided convolution, padding only bottom right")
        try check(convolutionGraph([8, 8], groups: 8), input: [1, 8, 5, 5], "depthwise convolution")
        try check(convolutionGraph([8, 8], groups: 8, stride: 2), input: [1, 8, 7, 7], "strided depthwise convolution")
        try check(convolutionGraph([6, 4], groups: 2), input: [1, 4, 5, 5], "grouped convolution")
        try check(convolutionGraph([6, 4], activation: .relu6), input: [2, 4, 5, 5], inputRange: -3...3,
                  "3x3 convolution with fused ReLU6")
        try check(convolutionGraph([8, 8], groups: 8, activation: .relu), input: [1, 8, 5, 5], "depthwise convolution with fused ReLU")
    }

    func testActivations() throws {
        for activation in [Activation.relu, .relu6] {
            var graph = Graph(inputChannels: 3)
            try graph.append(.activation(activation), graph.input, name: "activation")
            try check(graph, input: [2, 3, 4, 4], inputRange: -2...8, "\(activation)")
        }
    }

    /// At the kinks themselves the gradient is PyTorch's: ReLU passes nothing at 0, ReLU6 nothing
    /// at 0 or 6 (hardtanh passes only strictly inside).
    func testActivationGradientsAtTheKinks() throws {
        let x = try Tensor(shape: [1, 6, 1, 1], values: [-1, 0, 3, 6, 7, 0.5])
        let expected: [Activation: [Float]] = [.relu: [0, 0, 1, 1, 1, 1], .relu6: [0, 0, 1, 0, 0, 1]]
        for (activation, gradient) in expected {
            var graph = Graph(inputChannels: 6)
            let node = try graph.append(.activation(activation), graph.input, name: "activation")
            let (_, pullback) = try GraphExecutor(graph).runWithPullback(x, to: node, gradientsAt: [graph.input])
            XCTAssertEqual(try pullback(Tensor(shape: x.shape, repeating: 1))[0].values, gradient, "\(activation)")
        }
    }

    func testResidualAddSumsBothPaths() throws {
        var graph = Graph(inputChannels: 4)
        let conv = try graph.append(.convolution(Convolution(weights: random.tensor([4, 4, 3, 3]), bias: nil, padding: .symmetric(1))),
                                    graph.input, name: "conv")
        try graph.append(.add, graph.input, conv, name: "add")
        try check(graph, input: [2, 4, 5, 5], "residual add")
    }

    func testPooling() throws {
        var global = Graph(inputChannels: 5)
        try global.append(.globalAveragePool, global.input, name: "pool")
        try check(global, input: [2, 5, 4, 6], "global average pool")
        for countingPadding in [true, false] {
            var graph = Graph(inputChannels: 3)
            try graph.append(.pooling(Pooling(.average(countingPadding: countingPadding), kernel: 3, stride: 2,
                                              padding: .symmetric(1))),
                             graph.input, name: "pool")
            try check(graph, input: [2, 3, 7, 7], "3x3 average pool, counting padding: \(countingPadding)")
        }
    }

    func testLinearAndSoftmax() throws {
        var linear = Graph(inputChannels: 3)
        try linear.append(.linear(Linear(weights: random.tensor([7, 3 * 2 * 2]), bias: random.values(7))), linear.input,
                          name: "linear")
        try check(linear, input: [2, 3, 2, 2], "linear on a flattened NCHW input")
        var softmax = Graph(inputChannels: 10)
        try softmax.append(.softmax, softmax.input, name: "softmax")
        try check(softmax, input: [3, 10, 1, 1], inputRange: -3...3, "softmax")
    }

    /// Stem, an inverted residual block, a strided block, the last 1x1 layer, pooling, classifier
    /// and softmax, as in MobileNetV2, with random weights.
    private func smallMobileNet() throws -> (Graph, block: NodeID, tail: Graph) {
        var graph = Graph(inputChannels: 3)
        func conv(_ input: NodeID, _ out: Int, _ into: Int, kernel: Int = 1, stride: Int = 1, depthwise: Bool = false,
                  activation: Activation? = .relu6, _ name: String, in graph: inout Graph) throws -> NodeID {
            let weights = random.tensor([out, depthwise ? 1 : into, kernel, kernel], in: -0.6...0.6)
            return try graph.append(.convolution(Convolution(weights: weights, bias: random.values(out), stride: stride,
                                                             padding: .symmetric(kernel / 2), groups: depthwise ? out : 1,
                                                             activation: activation)),
                                    input, name: name)
        }
        let stem = try conv(graph.input, 8, 3, kernel: 3, stride: 2, "features.0", in: &graph)
        let expand = try conv(stem, 24, 8, "features.1.conv.0", in: &graph)
        let depthwise = try conv(expand, 24, 24, kernel: 3, depthwise: true, "features.1.conv.1", in: &graph)
        let project = try conv(depthwise, 8, 24, activation: nil, "features.1.conv.2", in: &graph)
        let block = try graph.append(.add, stem, project, name: "features.1")
        // The rest of the network, also as a graph of its own that starts at the block's output.
        var tail = Graph(inputChannels: 8)
        for (input, target) in [(block, 0), (tail.input, 1)] {
            func build(_ g: inout Graph) throws {
                let e = try conv(input, 16, 8, "features.2.conv.0", in: &g)
                let d = try conv(e, 16, 16, kernel: 3, stride: 2, depthwise: true, "features.2.conv.1", in: &g)
                let p = try conv(d, 12, 16, activation: nil, "features.2", in: &g)
                let last = try conv(p, 20, 12, "features.3", in: &g)
                let pool = try g.append(.globalAveragePool, last, name: "pool")
                let logits = try g.append(.linear(Linear(weights: random.tensor([10, 20]), bias: random.values(10))), pool,
                                          name: "classifier")
                try g.append(.softmax, logits, name: "probabilities")
            }
            // Same weights in both: replay the generator.
            let saved = random
            if target == 0 { try build(&graph) } else { random = saved; try build(&tail) }
            if target == 0 { random = saved }
        }
        return (graph, block, tail)
    }

    func testSmallMobileNetInputGradient() throws {
        let (graph, _, _) = try smallMobileNet()
        // Many activations: smaller steps, so that fewer perturbations cross a kink.
        try check(graph, input: [1, 3, 10, 10], inputRange: -2...2, step: 3e-3, "small MobileNetV2-like network, probabilities")
        try check(graph, input: [1, 3, 10, 10], output: graph.node(named: "features.2"), inputRange: -2...2, step: 3e-3,
                  "small MobileNetV2-like network, features.2")
    }

    /// The gradient at an intermediate layer is the gradient of the rest of the network at that
    /// layer's value, and pulling it back gives the same input gradient as asking for it directly.
    func testGradientAtAnIntermediateLayer() throws {
        let (graph, block, tail) = try smallMobileNet()
        let x = random.tensor([2, 3, 12, 12], in: -2...2)
        let output = NodeID(index: graph.nodes.count - 1)
        let seed = random.tensor([2, 10])
        let executor = try GraphExecutor(graph)
        let (probabilities, pullback) = try executor.runWithPullback(x, to: output, gradientsAt: [block, graph.input])
        let gradients = try pullback(seed)
        let blockValue = try executor.run(x, outputs: [block])[0]
        let (tailProbabilities, tailPullback) = try GraphExecutor(tail).runWithPullback(
            blockValue, to: NodeID(index: tail.nodes.count - 1), gradientsAt: [tail.input])
        assertClose(tailProbabilities, probabilities, tolerance: 1e-5, "the tail graph reproduces the network")
        assertClose(gradients[0], try tailPullback(seed)[0], tolerance: 1e-5, "gradient at features.1")
        let direct = try executor.runWithPullback(x, to: output, gradientsAt: [graph.input]).pullback(seed)[0]
        assertClose(gradients[1], direct, tolerance: 1e-6, "input gradient asked with and without features.1")
        let reference = try FiniteDifferences(tail, output: NodeID(index: tail.nodes.count - 1), seed: seed)
        assertGradient(gradients[0], try reference.gradient(at: blockValue, step: 1e-2), tolerance: tolerance,
                       "gradient at features.1 vs finite differences")
    }

    func testErrors() throws {
        let (graph, block, _) = try smallMobileNet()
        let executor = try GraphExecutor(graph)
        let x = random.tensor([1, 3, 8, 8])
        let later = try XCTUnwrap(graph.node(named: "features.3"))
        XCTAssertThrowsError(try executor.runWithPullback(x, to: block, gradientsAt: [later])) { error in
            XCTAssertTrue("\(error)".contains("does not depend on node 'features.3'"), "\(error)")
        }
        let (_, pullback) = try executor.runWithPullback(x, to: block, gradientsAt: [graph.input])
        XCTAssertThrowsError(try pullback(Tensor(shape: [1, 8, 3, 3]))) { error in
            XCTAssertTrue("\(error)".contains("expected the node's shape [1, 8, 4, 4]"), "\(error)")
        }
        var pooled = Graph(inputChannels: 2)
        let pool = try pooled.append(.pooling(Pooling(.max, kernel: 2, stride: 2)), pooled.input, name: "maxpool")
        XCTAssertThrowsError(try GraphExecutor(pooled).runWithPullback(x.batchItems(0..<1), to: pool, gradientsAt: [pooled.input]))
    }
}
