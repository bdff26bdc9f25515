import Tensor

/// Maps an ONNX graph onto atlas's `Graph`, node by node in the file's (topological) order.
///
/// Each ONNX tensor becomes either a node of the graph or a constant known at load: initializers,
/// `Constant` nodes and the shape arithmetic exporters emit (Shape, Gather, Slice, Concat, Cast,
/// ConstantOfShape, Unsqueeze... feeding a Reshape or Pad) are folded here. The executor's
/// fusions are made where a tensor has a single reader: a convolution takes the batch
/// normalisation and the activation after it (and a zero Pad before it), a MatMul the bias Add
/// after it, Sigmoid times its own input becomes one swish. Layers are named by the ONNX tensors
/// they compute (the last of a fused chain). Any operator, attribute or form the executor cannot
/// run exactly is an error naming the node, its operator and the opset: nothing is dropped.
struct GraphImporter {
    let file: ONNXFile
    private(set) var graph: Graph
    private var values: [String: Value] = [:]
    /// Per graph node, its output shape for a batch of one.
    private var shapes: [[Int]]
    /// Per tensor, the indices of the nodes reading it (`graphOutput` for the graph's outputs).
    private let readers: [String: [Int]]
    /// Nodes already imported as part of an earlier node (a fused batch norm, activation, bias).
    private var absorbed: Set<Int> = []
    /// Zero padding of a folded `Pad`, by the index of the convolution node that takes it.
    private var foldedPadding: [Int: Padding] = [:]
    private var nodeIndex = 0

    /// What an ONNX tensor is: a graph node's output, or values known at load.
    enum Value {
        case node(NodeID)
        case constant(Constant)
    }

    /// Stands for the batch size in folded shapes (`Shape` of a tensor): exporters compute the
    /// flattened shape of a batch from it, and a Reshape whose target starts with it keeps the batch.
    static let batchSize = 1_000_003
    private static let graphOutput = -1

    init(file: ONNXFile) throws {
        self.file = file
        graph = Graph(inputChannels: file.inputShape.channels, inputName: file.input.name)
        shapes = [[1, file.inputShape.channels, file.inputShape.height, file.inputShape.width]]
        var readers: [String: [Int]] = [:]
        for (index, node) in file.graph.node.enumerated() {
            for input in node.input where !input.isEmpty { readers[input, default: []].append(index) }
        }
        for output in file.graph.output { readers[output.name, default: []].append(Self.graphOutput) }
        self.readers = readers
        values[file.input.name] = .node(graph.input)
        for (name, constant) in file.initializers { values[name] = .constant(constant) }
    }

    /// Imports every node; returns the graph and its logits and probabilities nodes (a softmax is
    /// appended when the model ends at its logits).
    mutating func run() throws -> (graph: Graph, logits: NodeID, probabilities: NodeID) {
        let nodes = file.graph.node
        // Fusion looks at later nodes' outputs: every node must have one before any is imported.
        if let node = nodes.first(where: { $0.output.first?.isEmpty ?? true }) {
            throw ONNXError("\(describe(node)): has no output")
        }
        for index in nodes.indices where !absorbed.contains(index) {
            nodeIndex = index
            try importNode(nodes[index])
        }
        guard let output = file.graph.output.first else { throw ONNXError("\(file.path): the graph has no output") }
        guard case .node(var last)? = values[output.name] else {
            throw ONNXError("\(file.path): the graph output '\(output.name)' is not computed from the input")
        }
        if shapes[last.index].count == 4 {
            last = try append(.flatten, [last], name: uniqueName(output.name + ".flat"))
        }
        guard shapes[last.index].count == 2 else {
            throw ONNXError("\(file.path): the graph output '\(output.name)' has shape \(shapes[last.index]); a classifier's is [N, classes]")
        }
        if case .softmax = graph[last].operation, let logits = graph[last].inputs.first {
            return (graph, logits, last)
        }
        let probabilities = try append(.softmax, [last], name: uniqueName("probabilities"))
        return (graph, last, probabilities)
    }

    // MARK: Dispatch

    private mutating func importNode(_ node: Onnx_NodeProto) throws {
        let what = describe(node)
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw ONNXError("\(what): operators of domain '\(node.domain)' are not supported (only the default ONNX domain is)")
        }
        let inputs = try node.input.map { name -> Value? in
            if name.isEmpty { return nil }
            guard let value = values[name] else { throw ONNXError("\(what): reads '\(name)', which no earlier node computes") }
            return value
        }
        let attributes = NodeAttributes(node: node, what: what)
        if inputs.allSatisfy({ if case .node = $0 { false } else { true } }) || node.opType == "Shape" {
            if let folded = try fold(node, inputs: inputs, attributes: attributes) {
                // As the initializers are, every constant is checked to be finite where it is made.
                if case .floats(let values) = folded.values, let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw ONNXError("\(what): makes the constant \(values[bad]) at element \(bad); constants must be finite numbers")
                }
                try define(node, .constant(folded))
                return
            }
        }
        switch node.opType {
        case "Conv": try convolution(node, inputs, attributes)
        case "BatchNormalization": try batchNormalization(node, inputs, attributes)
        case "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish": try activationNode(node, inputs, attributes)
        case "Add", "Sub", "Mul", "Div": try arithmetic(node, inputs, attributes)
        case "Gemm", "MatMul": try linear(node, inputs, attributes)
        case "MaxPool", "AveragePool": try pooling(node, inputs, attributes)
        case "GlobalAveragePool": try define(node, .node(append(.globalAveragePool, [imageInput(inputs, node)], node)))
        case "ReduceMean": try reduceMean(node, inputs, attributes)
        case "Concat": try concatenation(node, inputs, attributes)
        case "LRN": try localResponseNormalization(node, inputs, attributes)
        case "Softmax": try softmax(node, inputs, attributes)
        case "Flatten", "Reshape", "Squeeze": try flatten(node, inputs, attributes)
        case "Dropout", "Identity": try define(node, inputs[0]!)
        case "Cast": try cast(node, inputs, attributes)
        case "Pad": try pad(node, inputs, attributes)
        case let op where Self.foldedOperators.contains(op):
            throw ONNXError("\(what): operator \(op) is supported on constants only (shape arithmetic, folded at load), "
                + "not on a tensor computed from the image")
        default:
            throw ONNXError("\(what): operator \(node.opType) is not supported; supported on tensors computed from the image are "
                + Self.mappedOperators.joined(separator: ", "))
        }
    }

    /// Operators the importer maps onto the executor.
    static let mappedOperators = ["Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Conv", "Div", "Dropout",
                                  "Flatten", "Gemm", "GlobalAveragePool", "HardSigmoid", "HardSwish", "Identity", "LRN", "MatMul",
                                  "MaxPool", "Mul", "Pad", "ReduceMean", "Relu", "Reshape", "Sigmoid", "Softmax", "Squeeze", "Sub"]
    /// Operators the importer computes at load when their inputs are constants (and `Shape` of any tensor).
    static let foldedOperators = ["Constant", "ConstantOfShape", "Gather", "Shape", "Slice", "Unsqueeze"]
    /// Every operator the importer knows.
    static let supportedOperators = Set(mappedOperators + foldedOperators)

    // MARK: Helpers for the operator files

    /// "FILE: node 'NAME' (Op, opset N)".
    func describe(_ node: Onnx_NodeProto) -> String {
        let name = node.name.isEmpty ? (node.output.first ?? "?") : node.name
        return "\(file.path): node '\(name)' (\(node.opType), opset \(file.opset))"
    }

    /// Records the node's first output.
    mutating func define(_ node: Onnx_NodeProto, _ value: Value) throws {
        guard let output = node.output.first, !output.isEmpty else { throw ONNXError("\(describe(node)): has no output") }
        values[output] = value
    }

    /// Records what the tensor called `tensor` is.
    mutating func record(_ tensor: String, _ value: Value) {
        values[tensor] = value
    }

    /// What the tensor called `tensor` is, if an earlier node or initializer defines it.
    func value(of tensor: String) -> Value? {
        values[tensor]
    }

    /// Appends `operation` reading `inputs`, named `name`, and records its shape.
    mutating func append(_ operation: NodeOperation, _ inputs: [NodeID], name: String) throws -> NodeID {
        let id = try graph.append(operation, inputs, name: uniqueName(name))
        shapes.append(try graph.shape(of: id, inputShapes: inputs.map { shapes[$0.index] }, graphInput: shapes[0]))
        return id
    }

    /// Appends `operation` named after the ONNX node's first output (errors name the node).
    mutating func append(_ operation: NodeOperation, _ inputs: [NodeID], _ node: Onnx_NodeProto) throws -> NodeID {
        do {
            return try append(operation, inputs, name: node.output.first ?? node.name)
        } catch let error as TensorError {
            throw ONNXError("\(describe(node)): \(error)")
        }
    }

    /// `name`, or `name#2`, `name#3`... when the graph has it already.
    func uniqueName(_ name: String) -> String {
        var candidate = name, count = 1
        while graph.node(named: candidate) != nil {
            count += 1
            candidate = "\(name)#\(count)"
        }
        return candidate
    }

    func shape(of id: NodeID) -> [Int] {
        shapes[id.index]
    }

    /// The node an input is, or an error saying a computed tensor was expected.
    func nodeInput(_ inputs: [Value?], _ position: Int, _ node: Onnx_NodeProto) throws -> NodeID {
        guard position < inputs.count, case .node(let id)? = inputs[position] else {
            throw ONNXError("\(describe(node)): input \(position) must be computed from the image, not a constant")
        }
        return id
    }

    /// The node's first input, which must be an image-shaped [N, C, H, W] tensor.
    func imageInput(_ inputs: [Value?], _ node: Onnx_NodeProto) throws -> NodeID {
        let id = try nodeInput(inputs, 0, node)
        guard shapes[id.index].count == 4 else {
            throw ONNXError("\(describe(node)): input '\(node.input[0])' has shape \(shapes[id.index]), expected [N, C, H, W]")
        }
        return id
    }

    /// A constant input (weights, shapes), or an error; nil when the optional input is absent.
    func constantInput(_ inputs: [Value?], _ position: Int, _ node: Onnx_NodeProto, required: Bool = true) throws -> Constant? {
        guard position < inputs.count, let value = inputs[position] else {
            if required { throw ONNXError("\(describe(node)): input \(position) is missing") }
            return nil
        }
        guard case .constant(let constant) = value else {
            throw ONNXError("\(describe(node)): input '\(node.input[position])' must be a constant (an initializer), "
                + "not computed from the image")
        }
        return constant
    }

    /// The node that alone reads `tensor` (not a graph output), with its index, if any and not yet imported.
    func soleReader(of tensor: String) -> (index: Int, node: Onnx_NodeProto)? {
        guard let readers = readers[tensor], readers.count == 1, let index = readers.first, index != Self.graphOutput,
              index > nodeIndex, !absorbed.contains(index) else { return nil }
        return (index, file.graph.node[index])
    }

    /// Marks a later node as imported with the current one.
    mutating func absorb(_ index: Int) {
        absorbed.insert(index)
    }

    mutating func foldPadding(_ padding: Padding, intoNode index: Int) {
        foldedPadding[index] = padding
    }

    /// Padding a folded `Pad` adds to the node being imported.
    var foldedPaddingOfCurrentNode: Padding? {
        foldedPadding[nodeIndex]
    }
}
