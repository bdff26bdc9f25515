import Tensor
import XCTest

/// Each operation, run through a one-node graph, against the naive reference on small random
/// tensors.
final class PrimitiveTests: XCTestCase {
    private var random = SeededGenerator(seed: 7)

    /// The graph input -> `operation` -> its output.
    private func runSingle(_ operation: NodeOperation, on x: Tensor) throws -> Tensor {
        var graph = Graph(inputChannels: x.shape[1])
        let node = try graph.append(operation, graph.input, name: "op")
        return try GraphExecutor(graph).run(x, outputs: [node])[0]
    }

    private func checkConvolution(input: [Int], weights: [Int], stride: Int = 1, padding: Padding = .none, dilation: Int = 1,
                                  groups: Int = 1, bias: Bool = true, activation: Activation? = nil, _ what: String) throws {
        let x = random.tensor(input)
        let convolution = try Convolution(weights: random.tensor(weights), bias: bias ? random.values(weights[0]) : nil,
                                          stride: stride, padding: padding, dilation: dilation, groups: groups,
                                          activation: activation)
        assertClose(try runSingle(.convolution(convolution), on: x), Reference.convolution(x, convolution), tolerance: 1e-5, what)
    }

    func testPlainConvolution() throws {
        try checkConvolution(input: [2, 5, 9, 8], weights: [7, 5, 3, 3], padding: .symmetric(1), "3x3 5->7 padded")
        try checkConvolution(input: [1, 16, 6, 6], weights: [32, 16, 1, 1], bias: false, "1x1 16->32 without bias")
        try checkConvolution(input: [3, 3, 11, 11], weights: [8, 3, 3, 3], stride: 2, padding: .symmetric(1),
                             activation: .relu6, "stem-like 3->8 stride 2 with ReLU6")
    }

    func testStridedAndAsymmetricallyPaddedConvolution() throws {
        // TensorFlow SAME padding for a 3x3 stride-2 convolution on an even input: 0 before, 1 after.
        try checkConvolution(input: [2, 4, 10, 10], weights: [6, 4, 3, 3], stride: 2,
                             padding: Padding(top: 0, left: 0, bottom: 1, right: 1), "asymmetric SAME padding")
        try checkConvolution(input: [1, 4, 9, 7], weights: [4, 4, 5, 3], stride: 3,
                             padding: Padding(top: 2, left: 1, bottom: 1, right: 0), "5x3 kernel stride 3")
    }

    func testGroupedAndDepthwiseConvolution() throws {
        try checkConvolution(input: [2, 6, 7, 7], weights: [9, 2, 3, 3], padding: .symmetric(1), groups: 3, "3 groups")
        try checkConvolution(input: [2, 24, 9, 9], weights: [24, 1, 3, 3], padding: .symmetric(1), groups: 24,
                             activation: .relu6, "depthwise 24 with ReLU6")
        try checkConvolution(input: [1, 32, 10, 10], weights: [32, 1, 3, 3], stride: 2, padding: .symmetric(1), groups: 32,
                             activation: .relu, "depthwise stride 2")
        try checkConvolution(input: [1, 40, 11, 11], weights: [40, 1, 5, 5], stride: 2,
                             padding: Padding(top: 1, left: 1, bottom: 2, right: 2), groups: 40, "depthwise 5x5 SAME")
    }

    /// Dilated convolutions (plain, strided, asymmetrically padded, depthwise) and a fused
    /// activation of each kind that can be fused.
    func testDilatedConvolution() throws {
        try checkConvolution(input: [2, 3, 9, 8], weights: [5, 3, 3, 3], padding: .symmetric(2), dilation: 2, "3x3 dilation 2")
        try checkConvolution(input: [1, 4, 9, 9], weights: [6, 4, 3, 3], stride: 2,
                             padding: Padding(top: 1, left: 2, bottom: 3, right: 0), dilation: 2,
                             "3x3 dilation 2 stride 2, asymmetric padding")
        try checkConvolution(input: [1, 3, 9, 7], weights: [4, 3, 3, 2], padding: Padding(top: 0, left: 1, bottom: 2, right: 1),
                             dilation: 3, activation: .clip(min: -0.5, max: 0.5), "3x2 dilation 3 with clip")
        try checkConvolution(input: [2, 8, 7, 7], weights: [8, 1, 3, 3], padding: .symmetric(2), dilation: 2, groups: 8,
                             activation: .relu6, "depthwise dilation 2 with ReLU6")
    }

    func testConvolutionWithFusedActivations() throws {
        for activation in [Activation.sigmoid, .clip(min: -1, max: 0.5), .hardSigmoid(alpha: 0.2, beta: 0.5)] {
            try checkConvolution(input: [2, 4, 6, 5], weights: [6, 4, 3, 3], padding: .symmetric(1), activation: activation,
                                 "3x3 with fused \(activation)")
        }
    }

    func testActivations() throws {
        let x = random.tensor([2, 20, 5, 5], in: -6...6)
        for activation in [Activation.sigmoid, .swish, .hardSwish, .hardSigmoid(alpha: 0.2, beta: 0.5),
                           .hardSigmoid(alpha: 1 / 6, beta: 0.5), .clip(min: -1.5, max: 2)] {
            assertClose(try runSingle(.activation(activation), on: x), Reference.activation(x, activation), "\(activation)")
        }
    }

    /// A product by a tensor of the same shape (in another layout: a convolution's) and by one
    /// value per channel and batch item.
    func testMultiply() throws {
        let x = random.tensor([2, 5, 6, 7])
        var graph = Graph(inputChannels: 5)
        let convolution = try Convolution(weights: random.tensor([5, 5, 3, 3]), bias: random.values(5), padding: .symmetric(1))
        let conv = try graph.append(.convolution(convolution), graph.input, name: "conv")
        let pool = try graph.append(.globalAveragePool, conv, name: "pool")
        let same = try graph.append(.multiply, graph.input, conv, name: "same")
        let perChannel = try graph.append(.multiply, conv, pool, name: "per channel")
        let outputs = try GraphExecutor(graph).run(x, outputs: [same, perChannel])
        let convolved = Reference.convolution(x, convolution)
        assertClose(outputs[0], Reference.multiply(x, convolved), "same shape")
        assertClose(outputs[1], Reference.multiply(convolved, Reference.globalAveragePool(convolved)), "per channel")
    }

    /// Flatten in NCHW order from a convolution's layout; a 2-D input passes unchanged.
    func testFlatten() throws {
        let x = random.tensor([2, 3, 4, 5])
        var graph = Graph(inputChannels: 3)
        let convolution = try Convolution(weights: random.tensor([16, 3, 3, 3]), bias: nil, padding: .symmetric(1))
        let conv = try graph.append(.convolution(convolution), graph.input, name: "conv")
        let flat = try graph.append(.flatten, conv, name: "flat")
        let again = try graph.append(.flatten, flat, name: "again")
        let outputs = try GraphExecutor(graph).run(x, outputs: [flat, again])
        let expected = Reference.convolution(x, convolution)
        assertClose(outputs[0], try Tensor(shape: [2, 16 * 4 * 5], values: expected.values), "flattened convolution")
        XCTAssertEqual(outputs[1], outputs[0], "a 2-D input passes unchanged")
    }

    func testPooling() throws {
        let x = random.tensor([2, 5, 9, 9])
        for pooling in [try Pooling(.max, kernel: 3, stride: 2, padding: .symmetric(1)),
                        try Pooling(.max, kernel: 2, stride: 2),
                        try Pooling(.average(countingPadding: true), kernel: 3, stride: 1, padding: .symmetric(1)),
                        try Pooling(.average(countingPadding: false), kernel: 3, stride: 2,
                                    padding: Padding(top: 0, left: 0, bottom: 1, right: 1))] {
            assertClose(try runSingle(.pooling(pooling), on: x), Reference.pooling(x, pooling), "\(pooling)")
        }
        assertClose(try runSingle(.globalAveragePool, on: x), Reference.globalAveragePool(x), "global average pool")
    }

    /// Max pooling padded only after (InceptionV1's -inf padding): the padding never wins, even
    /// where every input is negative.
    func testMaxPoolingPaddedAfter() throws {
        let x = random.tensor([2, 3, 8, 8], in: -3 ... -1)
        let pooling = try Pooling(.max, kernel: 3, stride: 2, padding: Padding(top: 0, left: 0, bottom: 1, right: 1))
        let y = try runSingle(.pooling(pooling), on: x)
        XCTAssertEqual(y.shape, [2, 3, 4, 4])
        assertClose(y, Reference.pooling(x, pooling), tolerance: 0, "3x3 stride 2 max pool padded after")
        XCTAssertTrue(y.values.allSatisfy { $0 < 0 })
    }

    func testLocalResponseNormalization() throws {
        for (lrn, range) in [(try LocalResponseNormalization(size: 9, alpha: 9.99999974738e-05, beta: 0.5, k: 1), Float(0)...200),
                             (try LocalResponseNormalization(size: 5, alpha: 2, beta: 0.75, k: 1), -2...2),
                             (try LocalResponseNormalization(size: 1, alpha: 1, beta: 1, k: 0.5), -1...1)] {
            let x = random.tensor([2, 12, 5, 6], in: range)
            assertClose(try runSingle(.localResponseNormalization(lrn), on: x), Reference.localResponseNormalization(x, lrn),
                        tolerance: 1e-5, "LRN size \(lrn.size) alpha \(lrn.alpha) beta \(lrn.beta) k \(lrn.k)")
        }
    }

    /// Concatenations of inputs in different layouts (a convolution's, the plain input, a pool's),
    /// one of them twice.
    func testConcatenation() throws {
        let x = random.tensor([2, 5, 6, 6])
        var graph = Graph(inputChannels: 5)
        let convolution = try Convolution(weights: random.tensor([32, 5, 3, 3]), bias: nil, padding: .symmetric(1))
        let conv = try graph.append(.convolution(convolution), graph.input, name: "conv")
        let pooling = try Pooling(.max, kernel: 3, stride: 1, padding: .symmetric(1))
        let pool = try graph.append(.pooling(pooling), graph.input, name: "pool")
        let single = try graph.append(.concatenation, [conv], name: "single")
        let mixed = try graph.append(.concatenation, [conv, graph.input, pool, conv], name: "mixed")
        let outputs = try GraphExecutor(graph).run(x, outputs: [single, mixed])
        let convolved = Reference.convolution(x, convolution), pooled = Reference.pooling(x, pooling)
        assertClose(outputs[0], convolved, "a concatenation of one input")
        assertClose(outputs[1], Reference.concatenation([convolved, x, pooled, convolved]), "four inputs")
        XCTAssertEqual(outputs[1].shape, [2, 74, 6, 6])
    }

    func testLinearFlattensNCHW() throws {
        let x = random.tensor([3, 4, 2, 3])
        let linear = try Linear(weights: random.tensor([10, 24]), bias: random.values(10))
        assertClose(try runSingle(.linear(linear), on: x), Reference.linear(x, linear), "linear on [3, 4, 2, 3]")
    }

    func testSoftmaxAfterLinear() throws {
        let x = random.tensor([4, 8, 1, 1], in: -3...3)
        var graph = Graph(inputChannels: 8)
        let linear = try Linear(weights: random.tensor([50, 8], in: -2...2), bias: nil)
        let logits = try graph.append(.linear(linear), graph.input, name: "logits")
        let probabilities = try graph.append(.softmax, logits, name: "probabilities")
        let outputs = try GraphExecutor(graph).run(x, outputs: [logits, probabilities])
        assertClose(outputs[0], Reference.linear(x, linear), "logits")
        assertClose(outputs[1], Reference.softmax(outputs[0]), tolerance: 1e-6, "softmax")
        for row in 0..<4 {
            XCTAssertEqual(outputs[1].values[row * 50..<(row + 1) * 50].reduce(0, +), 1, accuracy: 1e-5)
        }
    }

    func testActivationAndAdd() throws {
        let x = random.tensor([2, 20, 5, 5], in: -8...8)
        var graph = Graph(inputChannels: 20)
        let relu6 = try graph.append(.activation(.relu6), graph.input, name: "relu6")
        let relu = try graph.append(.activation(.relu), graph.input, name: "relu")
        let sum = try graph.append(.add, relu6, relu, name: "sum")
        let outputs = try GraphExecutor(graph).run(x, outputs: [relu6, relu, sum])
        let expected6 = Reference.activation(x, .relu6), expected = Reference.activation(x, .relu)
        assertClose(outputs[0], expected6, "relu6")
        assertClose(outputs[1], expected, "relu")
        assertClose(outputs[2], Reference.add(expected6, expected), "add")
    }
}
