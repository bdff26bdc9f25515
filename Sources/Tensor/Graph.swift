/// A node of a `Graph`, by position.
public struct NodeID: Hashable, Comparable, Sendable {
    public let index: Int

    public static func < (a: NodeID, b: NodeID) -> Bool { a.index < b.index }
}

/// What a node computes from its inputs.
public enum NodeOperation: Sendable {
    /// The graph's input, NCHW with this many channels (any batch size and spatial size).
    case input(channels: Int)
    case convolution(Convolution)
    case pooling(Pooling)
    /// Average over all spatial positions: [N, C, H, W] -> [N, C, 1, 1].
    case globalAveragePool
    case linear(Linear)
    case activation(Activation)
    /// Elementwise sum of two equally shaped inputs (a residual connection).
    case add
    /// Elementwise product of two inputs: the second has the first's shape, or is [N, C, 1, 1]
    /// for a first of [N, C, H, W] (a per-channel scale, as in squeeze-and-excitation blocks).
    case multiply
    /// [N, C, H, W] -> [N, C * H * W] in NCHW order, as `torch.flatten(x, 1)`; a 2-D input passes
    /// unchanged.
    case flatten
    /// Softmax over dimension 1 (the classes).
    case softmax
    /// Local response normalisation across channels.
    case localResponseNormalization(LocalResponseNormalization)
    /// The inputs, one or more with equal batch and spatial sizes, stacked along dimension 1 (the
    /// channels) in the order given, as `torch.cat(inputs, 1)`.
    case concatenation

    /// How many inputs the operation takes.
    var arity: ClosedRange<Int> {
        switch self {
        case .input: 0...0
        case .add, .multiply: 2...2
        case .concatenation: 1...Int.max
        default: 1...1
        }
    }
}

/// A named operation and the nodes it reads.
public struct Node: Sendable {
    public let name: String
    public let inputs: [NodeID]
    public let operation: NodeOperation
}

/// A network as a list of named operations, each reading earlier nodes: the order of the list is
/// the order of evaluation. A graph is a plain description (weights included); `GraphExecutor`
/// runs it. Names are unique, so that layers can be asked for by name.
public struct Graph: Sendable {
    public private(set) var nodes: [Node] = []
    private var indexByName: [String: Int] = [:]

    /// A graph whose only node is its input.
    public init(inputChannels: Int, inputName: String = "input") {
        nodes = [Node(name: inputName, inputs: [], operation: .input(channels: inputChannels))]
        indexByName = [inputName: 0]
    }

    /// The input node.
    public var input: NodeID { NodeID(index: 0) }

    /// Appends `operation` reading `inputs`, named `name`; returns the new node.
    @discardableResult
    public mutating func append(_ operation: NodeOperation, _ inputs: NodeID..., name: String) throws -> NodeID {
        try append(operation, inputs, name: name)
    }

    /// Appends `operation` reading the list `inputs` (a concatenation of any number of nodes).
    @discardableResult
    public mutating func append(_ operation: NodeOperation, _ inputs: [NodeID], name: String) throws -> NodeID {
        guard indexByName[name] == nil else { throw TensorError("graph already has a node named '\(name)'") }
        guard operation.arity.contains(inputs.count) else {
            let expected = operation.arity.upperBound == Int.max ? "at least \(operation.arity.lowerBound)"
                : "\(operation.arity.lowerBound)"
            throw TensorError("node '\(name)' takes \(expected) inputs, got \(inputs.count)")
        }
        guard inputs.allSatisfy({ $0.index >= 0 && $0.index < nodes.count }) else {
            throw TensorError("node '\(name)' reads a node that is not in the graph")
        }
        if case .input = operation { throw TensorError("node '\(name)': a graph has exactly one input") }
        nodes.append(Node(name: name, inputs: inputs, operation: operation))
        indexByName[name] = nodes.count - 1
        return NodeID(index: nodes.count - 1)
    }

    public subscript(id: NodeID) -> Node { nodes[id.index] }

    /// The node with this name, if any.
    public func node(named name: String) -> NodeID? {
        indexByName[name].map(NodeID.init)
    }

    /// The output shape of every node for an NCHW input of `inputShape`, or an error naming the
    /// first node whose input does not fit.
    public func shapes(input inputShape: [Int]) throws -> [[Int]] {
        var shapes: [[Int]] = []
        for node in nodes {
            shapes.append(try outputShape(of: node, inputs: node.inputs.map { shapes[$0.index] }, graphInput: inputShape))
        }
        return shapes
    }

    /// The output shape of node `id` given its inputs' shapes, for an NCHW graph input of
    /// `graphInput`: `shapes(input:)` one node at a time, for a graph being built.
    public func shape(of id: NodeID, inputShapes: [[Int]], graphInput: [Int]) throws -> [Int] {
        try outputShape(of: self[id], inputs: inputShapes, graphInput: graphInput)
    }

    private func outputShape(of node: Node, inputs: [[Int]], graphInput: [Int]) throws -> [Int] {
        func fail(_ message: String) -> TensorError { TensorError("node '\(node.name)': \(message)") }
        func spatial(_ shape: [Int], kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Padding) throws -> (Int, Int) {
            let height = shape[2] + padding.top + padding.bottom, width = shape[3] + padding.left + padding.right
            guard height >= kernelHeight, width >= kernelWidth else {
                throw fail("input \(shape) with padding \(padding) is smaller than the \(kernelHeight)x\(kernelWidth) kernel")
            }
            return ((height - kernelHeight) / stride + 1, (width - kernelWidth) / stride + 1)
        }
        func image(_ shape: [Int]) throws -> [Int] {
            guard shape.count == 4, shape.allSatisfy({ $0 > 0 }) else { throw fail("expected an NCHW input, got \(shape)") }
            return shape
        }
        switch node.operation {
        case .input(let channels):
            let shape = try image(graphInput)
            guard shape[1] == channels else { throw fail("expected \(channels) input channels, got input \(shape)") }
            return shape
        case .convolution(let convolution):
            let x = try image(inputs[0])
            guard x[1] == convolution.inputChannels else {
                throw fail("expected \(convolution.inputChannels) input channels, got input \(x)")
            }
            let (h, w) = try spatial(x, kernelHeight: convolution.dilatedKernelHeight,
                                     kernelWidth: convolution.dilatedKernelWidth, stride: convolution.stride,
                                     padding: convolution.padding)
            return [x[0], convolution.outputChannels, h, w]
        case .pooling(let pooling):
            let x = try image(inputs[0])
            let (h, w) = try spatial(x, kernelHeight: pooling.kernel, kernelWidth: pooling.kernel,
                                     stride: pooling.stride, padding: pooling.padding)
            return [x[0], x[1], h, w]
        case .globalAveragePool:
            let x = try image(inputs[0])
            return [x[0], x[1], 1, 1]
        case .linear(let linear):
            let x = inputs[0]
            let features = x.dropFirst().reduce(1, *)
            guard x.count >= 2, features == linear.weights.shape[1] else {
                throw fail("expected \(linear.weights.shape[1]) input features per item, got input \(x)")
            }
            return [x[0], linear.weights.shape[0]]
        case .activation(let activation):
            do { try activation.validate() } catch let error as TensorError { throw fail(error.description) }
            return inputs[0]
        case .add:
            guard inputs[0] == inputs[1] else { throw fail("cannot add shapes \(inputs[0]) and \(inputs[1])") }
            return inputs[0]
        case .multiply:
            let (first, second) = (inputs[0], inputs[1])
            guard second == first || (first.count == 4 && second == [first[0], first[1], 1, 1]) else {
                throw fail("cannot multiply \(first) by \(second): the second must have the first's shape, or be "
                    + "[N, C, 1, 1] for a first of [N, C, H, W]")
            }
            return first
        case .flatten:
            let x = inputs[0]
            guard x.count == 2 || x.count == 4 else { throw fail("flatten needs an [N, C, H, W] or [N, features] input, got \(x)") }
            return [x[0], x.dropFirst().reduce(1, *)]
        case .softmax:
            guard inputs[0].count >= 2 else { throw fail("softmax needs a [N, classes, ...] input, got \(inputs[0])") }
            return inputs[0]
        case .localResponseNormalization:
            return try image(inputs[0])
        case .concatenation:
            let first = inputs[0]
            for shape in inputs where shape.count != first.count || shape.count < 2
                || shape[0] != first[0] || shape.dropFirst(2) != first.dropFirst(2) {
                throw fail("cannot concatenate shapes \(first) and \(shape) along the channels")
            }
            return [first[0], inputs.reduce(0) { $0 + $1[1] }] + first.dropFirst(2)
        }
    }
}
