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

    /// The input gradient of `output` (or of its last node) for random x (or `x`) and seed.
    private func check(_ graph: Graph, input shape: [Int], x given: Tensor? = nil, output: NodeID? = nil,
                       inputRange: ClosedRange<Float> = -1...1, step: Float = 1e-2, _ what: String,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let output = output ?? NodeID(index: graph.nodes.count - 1)
        let x = given ?? random.tensor(shape, in: inputRange)
        let outputShape = try graph.shapes(input: shape)[output.index]
        let seed = random.tensor(outputShape)
        let reference = try FiniteDifferences(graph, output: output, seed: seed)
        let (_, pullback) = try GraphExecutor(graph).runWithPullback(x, to: output, gradientsAt: [graph.input])
        let error = assertGradient(try pullback(seed)[0], try reference.gradient(at: x, step: step), tolerance: tolerance, what,
                                   file: file, line: line)
        print("gradient check \(what): relative error \(error)")
    }

    private func convolutionGraph(_ shape: [Int], groups: Int = 1, kernel: Int = 3, stride: Int = 1,
                                  padding: Padding = .symmetric(1), dilation: Int = 1, activation: Activation? = nil) throws -> Graph {
        var graph = Graph(inputChannels: shape[1])
        let weights = random.tensor([shape[0], shape[1] / groups, kernel, kernel])
        try graph.append(.convolution(Convolution(weights: weights, bias: random.values(shape[0]), stride: stride,
                                                  padding: padding, dilation: dilation, groups: groups,
                                                  activation: activation)),
                         graph.input, name: "conv")
        return graph
    }

    func testConvolutions() throws {
        try check(convolutionGraph([6, 4]), input: [1, 4, 6, 6], "3x3 convolution")
        try check(convolutionGraph([5, 4], kernel: 1), input: [1, 4, 4, 4], "1x1 convolution")
        try check(convolutionGraph([6, 4], stride: 2), input: [1, 4, 7, 6], "strided 3x3 convolution")
        try check(convolutionGraph([6, 4], stride: 2, padding: Padding(top: 0, left: 0, bottom: 1, right: 1)),
                  input: [1, 4, 8, 8], "strided convolution, padding only bottom right")
        try check(convolutionGraph([4, 3], kernel: 7, stride: 2, padding: Padding(top: 2, left: 2, bottom: 3, right: 3)),
                  input: [1, 3, 10, 10], "7x7 stride 2 convolution padded 2 before, 3 after (InceptionV1's first layer)")
        try check(convolutionGraph([8, 8], groups: 8), input: [1, 8, 5, 5], "depthwise convolution")
        try check(convolutionGraph([8, 8], groups: 8, stride: 2), input: [1, 8, 7, 7], "strided depthwise convolution")
        try check(convolutionGraph([6, 4], groups: 2), input: [1, 4, 5, 5], "grouped convolution")
        try check(convolutionGraph([6, 4], activation: .relu6), input: [2, 4, 5, 5], inputRange: -3...3,
                  "3x3 convolution with fused ReLU6")
        try check(convolutionGraph([8, 8], groups: 8, activation: .relu), input: [1, 8, 5, 5], "depthwise convolution with fused ReLU")
    }

    func testDilatedConvolutions() throws {
        try check(convolutionGraph([5, 3], padding: .symmetric(2), dilation: 2), input: [1, 3, 7, 6], "3x3 dilation 2")
        try check(convolutionGraph([4, 3], stride: 2, padding: Padding(top: 1, left: 2, bottom: 3, right: 0), dilation: 2),
                  input: [2, 3, 9, 8], "3x3 dilation 2 stride 2, asymmetric padding")
        try check(convolutionGraph([6, 6], groups: 6, padding: Padding(top: 3, left: 0, bottom: 1, right: 2), dilation: 3,
                                   activation: .relu6),
                  input: [1, 6, 8, 7], inputRange: -3...3, "depthwise 3x3 dilation 3, asymmetric padding, fused ReLU6")
    }

    /// The new activations on their own, over inputs that cover their kinks and flat parts.
    func testSmoothAndHardActivations() throws {
        for activation in [Activation.sigmoid, .swish, .hardSwish, .hardSigmoid(alpha: 0.2, beta: 0.5),
                           .hardSigmoid(alpha: 1 / 6, beta: 0.5), .clip(min: -1.5, max: 2)] {
            var graph = Graph(inputChannels: 3)
            try graph.append(.activation(activation), graph.input, name: "activation")
            try check(graph, input: [2, 3, 4, 5], inputRange: -5...5, "\(activation)")
        }
    }

    /// Swish and hard swish after a convolution read the convolution's output in the backward; the
    /// others fused into a convolution differentiate from its output.
    func testActivationsAfterConvolutions() throws {
        for activation in [Activation.swish, .hardSwish] {
            var graph = try convolutionGraph([6, 4])
            try graph.append(.activation(activation), NodeID(index: 1), name: "activation")
            try check(graph, input: [2, 4, 5, 5], inputRange: -3...3, "3x3 convolution, then \(activation)")
        }
        for activation in [Activation.sigmoid, .hardSigmoid(alpha: 0.5, beta: 0.5), .clip(min: -0.5, max: 1)] {
            try check(convolutionGraph([6, 4], activation: activation), input: [2, 4, 5, 5], inputRange: -2...2,
                      "3x3 convolution with fused \(activation)")
        }
    }

    /// PyTorch's gradients at the kinks: hard swish's is 0 at -3 and 1 at 3 (hardswish_backward),
    /// hard sigmoid's and clip's pass nothing at their bounds; sigmoid's is y(1 - y). The redirected
    /// gradient leaves them exact.
    func testNewActivationGradientsAtTheKinks() throws {
        let x = try Tensor(shape: [1, 8, 1, 1], values: [-4, -3, -2.5, -1, 0, 2, 2.5, 3])
        let sigmoid = x.values.map { v -> Float in let y = 1 / (1 + exp(-Double(v))); return Float(y * (1 - y)) }
        let expected: [Activation: [Float]] = [
            .hardSwish: [0, 0, -1 / 3, 1 / 6, 0.5, 7 / 6, 4 / 3, 1],
            .hardSigmoid(alpha: 0.2, beta: 0.5): [0, 0, 0, 0.2, 0.2, 0.2, 0, 0],
            .clip(min: -1, max: 2): [0, 0, 0, 0, 1, 0, 0, 0],
            .sigmoid: sigmoid,
        ]
        for (activation, gradient) in expected {
            var graph = Graph(inputChannels: 8)
            let node = try graph.append(.activation(activation), graph.input, name: "activation")
            for treatment in [ActivationGradient.exact, .redirected] {
                let (_, pullback) = try GraphExecutor(graph, activationGradient: treatment)
                    .runWithPullback(x, to: node, gradientsAt: [graph.input])
                assertClose(try pullback(Tensor(shape: x.shape, repeating: 1))[0], try Tensor(shape: x.shape, values: gradient),
                            tolerance: 1e-6, "\(activation), \(treatment)")
            }
        }
    }

    /// A squeeze-and-excitation block as in MobileNetV3: a convolution, scaled per channel by
    /// conv -> global average pool -> conv -> hard sigmoid of it, then hard swish; and a product
    /// of two equally shaped tensors, one the graph input. Forward against the reference, input
    /// gradients against finite differences.
    func testSqueezeExcitation() throws {
        var graph = Graph(inputChannels: 3)
        let feature = try Convolution(weights: random.tensor([6, 3, 3, 3]), bias: random.values(6), padding: .symmetric(1))
        let squeeze = try Convolution(weights: random.tensor([3, 6, 1, 1]), bias: random.values(3), activation: .relu)
        let excite = try Convolution(weights: random.tensor([6, 3, 1, 1], in: -2...2), bias: random.values(6))
        let scale = Activation.hardSigmoid(alpha: 1 / 6, beta: 0.5)
        let conv = try graph.append(.convolution(feature), graph.input, name: "conv")
        let pool = try graph.append(.globalAveragePool, conv, name: "pool")
        let reduced = try graph.append(.convolution(squeeze), pool, name: "squeeze")
        let expanded = try graph.append(.convolution(excite), reduced, name: "excite")
        let gate = try graph.append(.activation(scale), expanded, name: "gate")
        let scaled = try graph.append(.multiply, conv, gate, name: "scaled")
        let output = try graph.append(.activation(.hardSwish), scaled, name: "output")
        var product = Graph(inputChannels: 3)
        let squared = try product.append(.convolution(Convolution(weights: random.tensor([3, 3, 3, 3]), bias: nil,
                                                                  padding: .symmetric(1))),
                                         product.input, name: "conv")
        try product.append(.multiply, product.input, squared, name: "product")

        let x = random.tensor([2, 3, 6, 5], in: -2...2)
        let convolved = Reference.convolution(x, feature)
        let gateValue = Reference.activation(Reference.convolution(Reference.convolution(Reference.globalAveragePool(convolved),
                                                                                         squeeze), excite), scale)
        let expected = Reference.activation(Reference.multiply(convolved, gateValue), .hardSwish)
        assertClose(try GraphExecutor(graph).run(x, outputs: [output])[0], expected, tolerance: 1e-5, "squeeze-excitation output")
        try check(graph, input: [2, 3, 6, 5], x: x, "squeeze-excitation block, hard swish after")
        try check(graph, input: [2, 3, 6, 5], x: x, output: scaled, "squeeze-excitation block, the scaled features")
        try check(product, input: [2, 3, 5, 5], "a product of the input and a convolution of it")
    }

    /// Flatten, then linear and softmax, as an ONNX classifier head; and the flattened tensor itself.
    func testFlattenLinearSoftmax() throws {
        var graph = Graph(inputChannels: 3)
        let conv = try graph.append(.convolution(Convolution(weights: random.tensor([4, 3, 3, 3]), bias: random.values(4),
                                                             stride: 2, padding: .symmetric(1), activation: .relu)),
                                    graph.input, name: "conv")
        let flat = try graph.append(.flatten, conv, name: "flat")
        let logits = try graph.append(.linear(Linear(weights: random.tensor([5, 4 * 3 * 3]), bias: random.values(5))), flat,
                                      name: "logits")
        try graph.append(.softmax, logits, name: "softmax")
        try check(graph, input: [2, 3, 6, 5], output: flat, "flatten of a convolution")
        try check(graph, input: [2, 3, 6, 5], "flatten, linear and softmax")
        var twice = Graph(inputChannels: 3)
        let first = try twice.append(.flatten, twice.input, name: "flat")
        try twice.append(.flatten, first, name: "again")
        try check(twice, input: [1, 3, 2, 4], "flatten of the input, then of a 2-D tensor")
    }

    /// Hard swish reads its input in the backward: here a convolution that a residual add after it
    /// would otherwise accumulate onto in place (the add fuses a dilated convolution).
    func testPullbackKeepsTheInputHardSwishReads() throws {
        var graph = Graph(inputChannels: 3)
        let stem = try graph.append(.convolution(Convolution(weights: random.tensor([4, 3, 3, 3]), bias: random.values(4),
                                                             padding: .symmetric(1))),
                                    graph.input, name: "stem")
        let swish = try graph.append(.activation(.hardSwish), stem, name: "hard swish")
        let before = try graph.append(.convolution(Convolution(weights: random.tensor([4, 4, 1, 1]), bias: nil)), stem,
                                      name: "before")
        let branch = try graph.append(.convolution(Convolution(weights: random.tensor([4, 4, 3, 3]), bias: nil,
                                                               padding: .symmetric(2), dilation: 2)),
                                      before, name: "branch")
        let block = try graph.append(.add, stem, branch, name: "block")
        try graph.append(.add, swish, block, name: "output")
        XCTAssertEqual(ResidualFusion.all(in: graph).map(\.inPlace), [true], "the block accumulates onto the stem in place")
        try check(graph, input: [2, 3, 5, 6], inputRange: -3...3, "hard swish beside a residual block onto its input")
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

    /// lucid's redirected ReLU gradient: a batch item whose activations are all flat gets the
    /// gradient as if they were linear wherever it pushes them back (and nothing where it pushes
    /// them further out); an item with a live unit gets the true gradient. Standalone and fused.
    func testRedirectedActivationGradient() throws {
        let shape = [2, 3, 4, 4], count = 48
        for activation in [Activation.relu, .relu6] {
            // Item 0 flat everywhere (below 0, or above 6 for ReLU6), item 1 with live units.
            let dead = (0..<count).map { i in activation == .relu6 && i % 2 == 1 ? Float.random(in: 7...8, using: &random)
                                                                                   : Float.random(in: -2 ... -0.5, using: &random) }
            let x = try Tensor(shape: shape, values: dead + random.values(count))
            let seed = random.tensor(shape)
            let upper: Float = activation == .relu6 ? 6 : .infinity
            let expected = (0..<2 * count).map { i -> Float in
                let (input, gradient) = (x.values[i], seed.values[i])
                if i >= count { return input > 0 && input < upper ? gradient : 0 }
                return (input < 0 && gradient < 0) || (input > upper && gradient > 0) ? 0 : gradient
            }
            var standalone = Graph(inputChannels: 3), fused = Graph(inputChannels: 3)
            try standalone.append(.activation(activation), standalone.input, name: "activation")
            let identity = try Tensor(shape: [3, 3, 1, 1], values: [1, 0, 0, 0, 1, 0, 0, 0, 1])
            try fused.append(.convolution(Convolution(weights: identity, bias: nil, activation: activation)), fused.input,
                             name: "conv")
            for graph in [standalone, fused] {
                let executor = try GraphExecutor(graph, activationGradient: .redirected)
                let output = NodeID(index: 1)
                let redirected = try executor.runWithPullback(x, to: output, gradientsAt: [graph.input]).pullback(seed)[0]
                XCTAssertEqual(redirected.values, expected, "redirected \(activation), \(graph.nodes[1].name)")
                // Asking for the output's gradient too: the backward must not overwrite it in place.
                let both = try executor.runWithPullback(x, to: output, gradientsAt: [graph.input, output]).pullback(seed)
                XCTAssertEqual(both[0].values, expected, "redirected \(activation), output's gradient asked too")
                XCTAssertEqual(both[1].values, seed.values, "the output's gradient is the seed")
                let exact = try executor.runWithPullback(x, to: output, gradientsAt: [graph.input], activationGradient: .exact)
                    .pullback(seed)[0]
                XCTAssertEqual(Array(exact.values.prefix(count)), [Float](repeating: 0, count: count),
                               "exact \(activation) gradient of a dead item")
                XCTAssertEqual(Array(exact.values.suffix(count)), Array(expected.suffix(count)), "exact \(activation), live item")
            }
        }
    }

    func testResidualAddSumsBothPaths() throws {
        var graph = Graph(inputChannels: 4)
        let conv = try graph.append(.convolution(Convolution(weights: random.tensor([4, 4, 3, 3]), bias: nil, padding: .symmetric(1))),
                                    graph.input, name: "conv")
        try graph.append(.add, graph.input, conv, name: "add")
        try check(graph, input: [2, 4, 5, 5], "residual add")
    }

    /// A residual block whose skip input is a ReLU's output, which the backward reads: the forward
    /// plan must not accumulate the block onto it in place. A pullback called after the executor
    /// has run on another input still gives the gradient at its own input. The add's gradient,
    /// asked for with one from its branch, is not overwritten by the branch's ReLU backward.
    func testPullbackKeepsTheActivationsItReads() throws {
        var graph = Graph(inputChannels: 4)
        let skip = try graph.append(.convolution(Convolution(weights: random.tensor([6, 4, 3, 3]), bias: random.values(6),
                                                             padding: .symmetric(1), activation: .relu)),
                                    graph.input, name: "skip")
        let before = try graph.append(.convolution(Convolution(weights: random.tensor([6, 6, 1, 1]), bias: nil)), skip,
                                      name: "before")
        let branch = try graph.append(.convolution(Convolution(weights: random.tensor([6, 6, 1, 1]), bias: nil,
                                                               activation: .relu)),
                                      before, name: "branch")
        let add = try graph.append(.add, skip, branch, name: "add")
        try graph.append(.activation(.relu), add, name: "relu")
        try check(graph, input: [2, 4, 5, 5], inputRange: -3...3, step: 2e-3, "residual block onto a ReLU's output")
        let (x1, x2) = (random.tensor([2, 4, 5, 5]), random.tensor([2, 4, 5, 5]))
        let seed = random.tensor([2, 6, 5, 5])
        let output = NodeID(index: graph.nodes.count - 1)
        let executor = try GraphExecutor(graph)
        let first = try executor.runWithPullback(x1, to: output, gradientsAt: [graph.input]).pullback
        let second = try executor.runWithPullback(x2, to: output, gradientsAt: [graph.input]).pullback
        let expected = try GraphExecutor(graph).runWithPullback(x1, to: output, gradientsAt: [graph.input]).pullback(seed)[0]
        assertClose(try first(seed)[0], expected, tolerance: 1e-6, "a pullback after another forward run")
        assertClose(try second(seed)[0],
                    try GraphExecutor(graph).runWithPullback(x2, to: output, gradientsAt: [graph.input]).pullback(seed)[0],
                    tolerance: 1e-6, "the other pullback, after the first ran the forward again")
        let withBranch = try executor.runWithPullback(x1, to: add, gradientsAt: [add, before]).pullback(seed)
        assertClose(withBranch[0], seed, tolerance: 0, "the add's gradient, asked with its branch's")
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

    /// Distinct values at least 2 / count apart, shuffled: finite differences of 1e-2 never
    /// change which input wins a max-pooling window.
    private func separatedValues(_ shape: [Int]) throws -> Tensor {
        let count = shape.reduce(1, *)
        let values = (0..<count).map { -1 + 2 * Float($0) / Float(max(count - 1, 1)) }.shuffled(using: &random)
        return try Tensor(shape: shape, values: values)
    }

    func testMaxPooling() throws {
        for (pooling, shape) in [(try Pooling(.max, kernel: 3, stride: 2, padding: Padding(top: 0, left: 0, bottom: 1, right: 1)),
                                  [2, 3, 8, 8]),
                                 (try Pooling(.max, kernel: 3, stride: 1, padding: .symmetric(1)), [1, 4, 5, 6]),
                                 (try Pooling(.max, kernel: 2, stride: 2), [1, 2, 6, 6])] {
            var graph = Graph(inputChannels: shape[1])
            try graph.append(.pooling(pooling), graph.input, name: "pool")
            try check(graph, input: shape, x: separatedValues(shape), "max pool \(pooling)")
        }
    }

    /// On a tie the whole gradient goes to the window's first maximum in row-major order, as
    /// PyTorch's does.
    func testMaxPoolingTiesGoToTheFirstMaximum() throws {
        var graph = Graph(inputChannels: 1)
        let pool = try graph.append(.pooling(Pooling(.max, kernel: 3, stride: 2, padding: Padding(top: 0, left: 0, bottom: 1, right: 1))),
                                    graph.input, name: "pool")
        let x = try Tensor(shape: [1, 1, 4, 4], values: [1, 1, 1, 0,
                                                         1, 1, 2, 2,
                                                         0, 0, 2, 2,
                                                         0, 0, 0, 0])
        let (y, pullback) = try GraphExecutor(graph).runWithPullback(x, to: pool, gradientsAt: [graph.input])
        XCTAssertEqual(y.values, [2, 2, 2, 2])
        XCTAssertEqual(try pullback(Tensor(shape: y.shape, repeating: 1))[0].values,
                       [0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0])
    }

    /// The relaxed gradient is the gradient of average pooling that counts padding (as captum's
    /// MaxPool2dRelaxed), whether asked for per pullback or set on the executor; the exact one
    /// differs.
    func testRelaxedMaxPoolingGradientIsAveragePooling() throws {
        let padding = Padding(top: 0, left: 0, bottom: 1, right: 1)
        var maxGraph = Graph(inputChannels: 3), averageGraph = Graph(inputChannels: 3)
        let maxPool = try maxGraph.append(.pooling(Pooling(.max, kernel: 3, stride: 2, padding: padding)), maxGraph.input,
                                          name: "pool")
        let averagePool = try averageGraph.append(.pooling(Pooling(.average(countingPadding: true), kernel: 3, stride: 2,
                                                                   padding: padding)),
                                                  averageGraph.input, name: "pool")
        let x = random.tensor([2, 3, 8, 8]), seed = random.tensor([2, 3, 4, 4])
        let average = try GraphExecutor(averageGraph).runWithPullback(x, to: averagePool, gradientsAt: [averageGraph.input])
            .pullback(seed)[0]
        let executor = try GraphExecutor(maxGraph)
        let relaxed = try executor.runWithPullback(x, to: maxPool, gradientsAt: [maxGraph.input], maxPoolGradient: .relaxed)
        assertClose(relaxed.output, Reference.pooling(x, try Pooling(.max, kernel: 3, stride: 2, padding: padding)),
                    "the relaxed pool's forward is max pooling")
        assertClose(try relaxed.pullback(seed)[0], average, tolerance: 1e-6, "relaxed gradient, asked per pullback")
        let exact = try executor.runWithPullback(x, to: maxPool, gradientsAt: [maxGraph.input]).pullback(seed)[0]
        XCTAssertGreaterThan(zip(exact.values, average.values).map { abs($0 - $1) }.max()!, 0.1, "the exact gradient differs")
        executor.maxPoolGradient = .relaxed
        assertClose(try executor.runWithPullback(x, to: maxPool, gradientsAt: [maxGraph.input]).pullback(seed)[0], average,
                    tolerance: 1e-6, "relaxed gradient, set on the executor")
    }

    func testLocalResponseNormalization() throws {
        for (lrn, range) in [(try LocalResponseNormalization(size: 5, alpha: 2, beta: 0.75, k: 1), Float(-1)...1),
                             (try LocalResponseNormalization(size: 9, alpha: 9.99999974738e-05, beta: 0.5, k: 1), 0...30),
                             (try LocalResponseNormalization(size: 3, alpha: 1, beta: 1.5, k: 2), -2...2)] {
            var graph = Graph(inputChannels: 7)
            try graph.append(.localResponseNormalization(lrn), graph.input, name: "lrn")
            // Inputs up to 30 make the sums, and the gradient, large: steps scale with them.
            try check(graph, input: [2, 7, 3, 4], inputRange: range, step: 1e-2 * max(1, range.upperBound / 3),
                      "LRN size \(lrn.size) alpha \(lrn.alpha) beta \(lrn.beta) k \(lrn.k)")
        }
    }

    /// A concatenation of branches and the input itself, one branch twice: each part's gradient
    /// goes back to its input, summed over repeated and shared inputs.
    func testConcatenation() throws {
        var graph = Graph(inputChannels: 3)
        let a = try graph.append(.convolution(Convolution(weights: random.tensor([4, 3, 3, 3]), bias: random.values(4),
                                                          padding: .symmetric(1))), graph.input, name: "a")
        let b = try graph.append(.convolution(Convolution(weights: random.tensor([2, 3, 1, 1]), bias: nil)), graph.input, name: "b")
        let concatenated = try graph.append(.concatenation, [a, graph.input, b, a], name: "concat")
        try graph.append(.convolution(Convolution(weights: random.tensor([5, 13, 3, 3]), bias: nil, padding: .symmetric(1))),
                         concatenated, name: "after")
        try check(graph, input: [2, 3, 5, 4], output: concatenated, "concatenation")
        try check(graph, input: [2, 3, 5, 4], "convolution after a concatenation")
    }

    /// InceptionV1 in small: its stem (7x7 stride 2 with asymmetric padding, max pool padded
    /// after, LRN), a mixed block (1x1, 3x3 and pool branches, the last through a stride-1 max
    /// pool, concatenated) and its head, with random weights.
    func testSmallInceptionInputGradient() throws {
        var graph = Graph(inputChannels: 3)
        func conv(_ input: NodeID, _ out: Int, _ into: Int, kernel: Int = 1, stride: Int = 1, padding: Padding? = nil,
                  _ name: String) throws -> NodeID {
            try graph.append(.convolution(Convolution(weights: random.tensor([out, into, kernel, kernel], in: -0.5...0.5),
                                                      bias: random.values(out).map { $0 * 0.1 }, stride: stride,
                                                      padding: padding ?? .symmetric(kernel / 2), activation: .relu)),
                             input, name: name)
        }
        let afterPadding = Padding(top: 0, left: 0, bottom: 1, right: 1)
        let stem = try conv(graph.input, 8, 3, kernel: 7, stride: 2, padding: Padding(top: 2, left: 2, bottom: 3, right: 3), "conv2d0")
        let pool0 = try graph.append(.pooling(Pooling(.max, kernel: 3, stride: 2, padding: afterPadding)), stem, name: "maxpool0")
        let lrn = try graph.append(.localResponseNormalization(LocalResponseNormalization(size: 5, alpha: 0.5, beta: 0.75, k: 1)),
                                   pool0, name: "localresponsenorm0")
        let one = try conv(lrn, 4, 8, "mixed_1x1")
        let bottleneck = try conv(lrn, 3, 8, "mixed_3x3_bottleneck")
        let three = try conv(bottleneck, 5, 3, kernel: 3, "mixed_3x3")
        let pool = try graph.append(.pooling(Pooling(.max, kernel: 3, stride: 1, padding: .symmetric(1))), lrn, name: "mixed_pool")
        let reduce = try conv(pool, 3, 8, "mixed_pool_reduce")
        let mixed = try graph.append(.concatenation, [one, three, reduce], name: "mixed")
        let average = try graph.append(.globalAveragePool, mixed, name: "avgpool0")
        let logits = try graph.append(.linear(Linear(weights: random.tensor([6, 12]), bias: random.values(6))), average,
                                      name: "logits")
        try graph.append(.softmax, logits, name: "softmax")
        try check(graph, input: [1, 3, 10, 10], inputRange: -2...2, step: 3e-3, "small InceptionV1-like network, softmax")
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
        var concatenated = Graph(inputChannels: 3)
        XCTAssertThrowsError(try concatenated.append(.concatenation, [], name: "empty")) { error in
            XCTAssertTrue("\(error)".contains("takes at least 1 inputs, got 0"), "\(error)")
        }
        let pooled = try concatenated.append(.pooling(Pooling(.max, kernel: 2, stride: 2)), concatenated.input, name: "pool")
        try concatenated.append(.concatenation, [concatenated.input, pooled], name: "mismatch")
        XCTAssertThrowsError(try concatenated.shapes(input: [1, 3, 4, 4])) { error in
            XCTAssertTrue("\(error)".contains("cannot concatenate shapes [1, 3, 4, 4] and [1, 3, 2, 2]"), "\(error)")
        }
        XCTAssertThrowsError(try LocalResponseNormalization(size: 4, alpha: 1, beta: 1, k: 1))
    }
}
