import CDNNL

/// A graph compiled for one input shape: a list of primitive executions over oneDNN memories in
/// the layouts the primitives chose (with oneDNN 2.6 on AVX-512: channels-last for the brgemm
/// convolutions, blocked nChw16c for others). Tensors are reordered to and from plain NCHW only at
/// the edges: the input, and the outputs asked for.
///
/// Every node has its own output memory, except where a convolution whose only use is a residual
/// `add` is fused into it (`ResidualFusion`; not done when the caller asks for the convolution's
/// own output): the add's output is then the skip input's memory, accumulated onto in place when
/// nothing later reads the skip. Outputs asked for are therefore copied out as soon as they are
/// computed. The backward pass (`BackwardPlan`) reads the activations it needs straight from the
/// plan's memories, in their own layouts: its plan is compiled with those nodes unfused and never
/// accumulated onto in place (`ResidualFusion.preserving`), so each keeps its value until the
/// next run.
final class ExecutionPlan {
    let inputShape: [Int]
    private let graph: Graph
    private let shapes: [[Int]]
    private let engine: Engine
    private let stream: Stream
    private let input: Memory
    private var steps: [Step] = []
    /// Per node: its output in oneDNN's layout, nil for a convolution fused into its add.
    private var results: [Memory?] = []
    /// Per node: how many steps must run before its output is ready.
    private var stepsNeeded: [Int] = []
    /// Per node asked for: the reorder to plain layout and its (caller-bound) destination.
    private var exports: [Int: (reorder: Primitive, destination: Memory)] = [:]
    /// How many times the plan has run: memories read after a run are valid until the next.
    private(set) var runs = 0

    /// Compiles `graph` for `inputShape`, with `fusions` applied.
    init(graph: Graph, inputShape: [Int], fusions: [ResidualFusion], engine: Engine, stream: Stream) throws {
        self.graph = graph
        self.inputShape = inputShape
        self.shapes = try graph.shapes(input: inputShape)
        self.engine = engine
        self.stream = stream
        self.input = try Memory.unbound(.plain(inputShape), engine: engine)
        let fusedConvolutions = Set(fusions.map(\.convolution))
        let fusionByAdd = Dictionary(uniqueKeysWithValues: fusions.map { ($0.add, $0) })
        for (index, node) in graph.nodes.enumerated() {
            let output: Memory?
            if fusedConvolutions.contains(index) {
                output = nil
            } else if let fusion = fusionByAdd[index] {
                output = try residual(fusion)
            } else {
                output = try compile(node, shape: shapes[index])
            }
            results.append(output)
            stepsNeeded.append(steps.count)
        }
    }

    /// Runs the steps needed for `outputs` and returns them in plain layout.
    func run(_ tensor: Tensor, outputs: [NodeID]) throws -> [Tensor] {
        runs += 1
        return try withInput(tensor) {
            var exported = [Tensor?](repeating: nil, count: outputs.count)
            var done = 0
            for position in outputs.indices.sorted(by: { stepsNeeded[outputs[$0].index] < stepsNeeded[outputs[$1].index] }) {
                while done < stepsNeeded[outputs[position].index] {
                    try steps[done].run(on: stream)
                    done += 1
                }
                exported[position] = try export(outputs[position].index)
            }
            return exported.map { $0! }
        }
    }

    /// Runs `body` with the plan's input memory bound to `tensor` (the backward pass reads the
    /// input where a node's gradient needs it).
    func withInput<R>(_ tensor: Tensor, _ body: () throws -> R) throws -> R {
        guard tensor.shape == inputShape else {
            throw TensorError("input of shape \(tensor.shape) given to a plan compiled for \(inputShape)")
        }
        return try tensor.values.withUnsafeBufferPointer { buffer in
            try input.bind(UnsafeMutableRawPointer(mutating: buffer.baseAddress!))
            return try body()
        }
    }

    /// A node's output memory in the layout its primitive chose, nil for a convolution fused into
    /// its residual add. It holds the node's value after a run that computed it.
    func output(of index: Int) -> Memory? {
        results[index]
    }

    // MARK: Compiling nodes

    private func compile(_ node: Node, shape: [Int]) throws -> Memory {
        let sources = node.inputs.map { results[$0.index] }
        guard sources.allSatisfy({ $0 != nil }) else {
            throw TensorError("node '\(node.name)' reads a convolution fused into a residual add")
        }
        let purpose = "node '\(node.name)'"
        switch node.operation {
        case .input:
            return input
        case .convolution(let convolution):
            return try convolve(sources[0]!, convolution, shape: shape, residual: nil, purpose: purpose)
        case .pooling(let pooling):
            let padding = pooling.padding
            return try pool(sources[0]!, algorithm: pooling.kind.algorithm, kernel: [pooling.kernel, pooling.kernel],
                            stride: pooling.stride, padding: ([padding.top, padding.left], [padding.bottom, padding.right]),
                            shape: shape, purpose: purpose)
        case .globalAveragePool:
            let source = sources[0]!.descriptor.shape
            return try pool(sources[0]!, algorithm: dnnl_pooling_avg_exclude_padding, kernel: [source[2], source[3]],
                            stride: 1, padding: ([0, 0], [0, 0]), shape: shape, purpose: purpose)
        case .linear(let linear):
            return try fullyConnect(sources[0]!, linear, shape: shape, purpose: purpose)
        case .activation(let activation):
            // The first operation into a new memory, any others (a hard sigmoid's clip) in place on it.
            var output: Memory?
            for (algorithm, alpha, beta) in activation.eltwise {
                let source = output ?? sources[0]!
                var data = source.descriptor
                var descriptor = dnnl_eltwise_desc_t()
                try check(dnnl_eltwise_forward_desc_init(&descriptor, dnnl_forward_inference, algorithm, &data, alpha, beta),
                          "dnnl_eltwise_forward_desc_init", for: purpose)
                output = try execute(Primitive(descriptor, engine: engine, purpose: purpose), sources: [(DNNL_ARG_SRC, source)],
                                     into: output)
            }
            return output!
        case .add:
            var first = sources[0]!.descriptor, output = try dnnl_memory_desc_t.any(shape)
            var descriptor = dnnl_binary_desc_t()
            try check(dnnl_binary_desc_init(&descriptor, dnnl_binary_add, &first, &first, &output),
                      "dnnl_binary_desc_init", for: purpose)
            let second = try conform(sources[1]!, to: first, purpose: purpose)
            return try execute(Primitive(descriptor, engine: engine, purpose: purpose),
                               sources: [(DNNL_ARG_SRC_0, sources[0]!), (DNNL_ARG_SRC_1, second)])
        case .multiply:
            let first = sources[0]!.descriptor
            // An equally shaped second factor in the first's layout; a per-channel one as it is (broadcast).
            let second = first.shape == sources[1]!.descriptor.shape ? try conform(sources[1]!, to: first, purpose: purpose)
                : sources[1]!
            return try execute(Primitive.product(first, second.descriptor, engine: engine, purpose: purpose),
                               sources: [(DNNL_ARG_SRC_0, sources[0]!), (DNNL_ARG_SRC_1, second)])
        case .flatten:
            let source = sources[0]!
            guard source.descriptor.ndims == 4 else { return source }
            // Reordered into plain NCHW, in a new memory read as [N, C * H * W]: a copy, so that a
            // residual add accumulating onto the source in place leaves it alone.
            let output = try Memory(.plain(shape), engine: engine)
            let plain = try dnnl_memory_desc_t.plain(source.descriptor.shape)
            let view = try Memory.unbound(plain, engine: engine)
            try view.bind(output.dataHandle())
            let reorder = try Primitive.reorder(from: source.descriptor, to: plain, engine: engine, purpose: purpose)
            steps.append(Step(reorder, [(DNNL_ARG_FROM, source), (DNNL_ARG_TO, view)]))
            return output
        case .softmax:
            var data = try dnnl_memory_desc_t.plain(shape)
            var descriptor = dnnl_softmax_desc_t()
            try check(dnnl_softmax_forward_desc_init(&descriptor, dnnl_forward_inference, &data, 1),
                      "dnnl_softmax_forward_desc_init", for: purpose)
            let primitive = try Primitive(descriptor, engine: engine, purpose: purpose)
            let source = try conform(sources[0]!, to: data, purpose: purpose)
            return try execute(primitive, sources: [(DNNL_ARG_SRC, source)])
        case .localResponseNormalization(let normalization):
            var data = sources[0]!.descriptor
            let descriptor = try normalization.forwardDescriptor(data: &data, purpose: purpose)
            return try execute(Primitive(descriptor, engine: engine, purpose: purpose), sources: [(DNNL_ARG_SRC, sources[0]!)])
        case .concatenation:
            let inputs = sources.map { $0! }
            let primitive = try Primitive.concatenation(inputs.map(\.descriptor), dimension: 1, engine: engine, purpose: purpose)
            return try execute(primitive, sources: inputs.enumerated().map { (DNNL_ARG_MULTIPLE_SRC + Int32($0), $1) })
        }
    }

    /// A residual add computed by its fused convolution. Falls back to separate primitives where
    /// oneDNN has no fused implementation.
    private func residual(_ fusion: ResidualFusion) throws -> Memory {
        let add = graph.nodes[fusion.add], node = graph.nodes[fusion.convolution]
        guard case .convolution(let convolution) = node.operation, let skip = results[fusion.skip],
              let source = results[node.inputs[0].index] else {
            throw TensorError("node '\(add.name)' is not a residual add of a convolution")
        }
        let purpose = "node '\(node.name)' with the residual add '\(add.name)'"
        let stepCount = steps.count
        do {
            return try convolve(source, convolution, shape: shapes[fusion.add], residual: (skip, fusion.inPlace), purpose: purpose)
        } catch {
            steps.removeSubrange(stepCount...)
            results[fusion.convolution] = try compile(node, shape: shapes[fusion.convolution])
            return try compile(add, shape: shapes[fusion.add])
        }
    }

    /// The convolution, accumulating onto `residual` (in place if allowed and the layouts agree,
    /// otherwise onto a copy) when one is given.
    private func convolve(_ source: Memory, _ convolution: Convolution, shape: [Int],
                          residual: (memory: Memory, inPlace: Bool)?, purpose: String) throws -> Memory {
        let weightsShape = convolution.oneDNNWeightsShape
        let padding = convolution.padding
        let activation: [PrimitiveAttributes.PostOperation] = convolution.activation.map { [.activation($0)] } ?? []
        func primitive(output: dnnl_memory_desc_t, postOperations: [PrimitiveAttributes.PostOperation]) throws -> Primitive {
            var sourceDescriptor = try dnnl_memory_desc_t.any(source.descriptor.shape)
            var weights = try dnnl_memory_desc_t.any(weightsShape)
            var bias = convolution.bias == nil ? dnnl_memory_desc_t() : try .plain([convolution.outputChannels])
            var output = output
            var descriptor = dnnl_convolution_desc_t()
            try check(dnnl_dilated_convolution_forward_desc_init(
                &descriptor, dnnl_forward_inference, dnnl_convolution_direct, &sourceDescriptor, &weights, &bias, &output,
                [Int64(convolution.stride), Int64(convolution.stride)], convolution.oneDNNDilation,
                [Int64(padding.top), Int64(padding.left)], [Int64(padding.bottom), Int64(padding.right)]),
                      "dnnl_dilated_convolution_forward_desc_init", for: purpose)
            return try Primitive(descriptor, attributes: postOperations.isEmpty ? nil : PrimitiveAttributes(postOperations),
                                 engine: engine, purpose: purpose)
        }
        var convolutionPrimitive = try primitive(output: .any(shape), postOperations: activation)
        var output: Memory?
        if let residual {
            // The convolution accumulates onto the residual in the layout it writes by itself
            // (oneDNN 2.6's fast kernels take a sum post-op, not a full-tensor binary one).
            let layout = try convolutionPrimitive.memoryDescriptor(dnnl_query_dst_md)
            convolutionPrimitive = try primitive(output: layout, postOperations: activation + [.accumulate])
            output = residual.inPlace && residual.memory.descriptor.matches(layout)
                ? residual.memory : try copy(residual.memory, to: layout, purpose: purpose)
        }
        var sources = [(DNNL_ARG_SRC, try conform(source, to: convolutionPrimitive.memoryDescriptor(dnnl_query_src_md),
                                                  purpose: purpose)),
                       (DNNL_ARG_WEIGHTS, try constant(convolution.weights.values, shape: weightsShape,
                                                       layout: convolutionPrimitive.memoryDescriptor(dnnl_query_weights_md),
                                                       purpose: purpose))]
        if let values = convolution.bias {
            sources.append((DNNL_ARG_BIAS, try constant(values, shape: [values.count], layout: nil, purpose: purpose)))
        }
        return try execute(convolutionPrimitive, sources: sources, into: output)
    }

    private func pool(_ source: Memory, algorithm: dnnl_alg_kind_t, kernel: [Int], stride: Int,
                      padding: (low: [Int], high: [Int]), shape: [Int], purpose: String) throws -> Memory {
        var sourceDescriptor = source.descriptor, output = try dnnl_memory_desc_t.any(shape)
        var descriptor = dnnl_pooling_desc_t()
        try check(dnnl_pooling_forward_desc_init(&descriptor, dnnl_forward_inference, algorithm, &sourceDescriptor, &output,
                                                 [Int64(stride), Int64(stride)], kernel.map(Int64.init),
                                                 padding.low.map(Int64.init), padding.high.map(Int64.init)),
                  "dnnl_pooling_forward_desc_init", for: purpose)
        return try execute(Primitive(descriptor, engine: engine, purpose: purpose), sources: [(DNNL_ARG_SRC, source)])
    }

    private func fullyConnect(_ source: Memory, _ linear: Linear, shape: [Int], purpose: String) throws -> Memory {
        let sourceShape = source.descriptor.shape
        // oneDNN's inner product reads a 4-D input with 4-D weights; PyTorch's [out, C*H*W] weights
        // are the same values as [out, C, H, W].
        let weightsShape = [linear.weights.shape[0]] + sourceShape.dropFirst()
        var sourceDescriptor = try dnnl_memory_desc_t.any(sourceShape)
        var weights = try dnnl_memory_desc_t.any(weightsShape)
        var bias = linear.bias == nil ? dnnl_memory_desc_t() : try .plain([linear.weights.shape[0]])
        var output = try dnnl_memory_desc_t.any(shape)
        var descriptor = dnnl_inner_product_desc_t()
        try check(dnnl_inner_product_forward_desc_init(&descriptor, dnnl_forward_inference, &sourceDescriptor, &weights,
                                                       &bias, &output),
                  "dnnl_inner_product_forward_desc_init", for: purpose)
        let primitive = try Primitive(descriptor, engine: engine, purpose: purpose)
        var sources = [(DNNL_ARG_SRC, try conform(source, to: primitive.memoryDescriptor(dnnl_query_src_md), purpose: purpose)),
                       (DNNL_ARG_WEIGHTS, try constant(linear.weights.values, shape: weightsShape,
                                                       layout: primitive.memoryDescriptor(dnnl_query_weights_md), purpose: purpose))]
        if let values = linear.bias {
            sources.append((DNNL_ARG_BIAS, try constant(values, shape: [values.count], layout: nil, purpose: purpose)))
        }
        return try execute(primitive, sources: sources)
    }

    // MARK: Memories and steps

    /// Appends a step running `primitive` on `sources` into `output`, by default a new memory in
    /// the layout the primitive chose, and returns the output.
    private func execute(_ primitive: Primitive, sources: [(Int32, Memory)], into output: Memory? = nil) throws -> Memory {
        let output = try output ?? Memory(primitive.memoryDescriptor(dnnl_query_dst_md), engine: engine)
        steps.append(Step(primitive, sources + [(DNNL_ARG_DST, output)]))
        return output
    }

    /// `memory` itself if it already has `layout`, otherwise a copy reordered by a new step.
    private func conform(_ memory: Memory, to layout: dnnl_memory_desc_t, purpose: String) throws -> Memory {
        memory.descriptor.matches(layout) ? memory : try copy(memory, to: layout, purpose: purpose)
    }

    /// A new memory in `layout` that a new step fills with `memory`'s values.
    private func copy(_ memory: Memory, to layout: dnnl_memory_desc_t, purpose: String) throws -> Memory {
        let copied = try Memory(layout, engine: engine)
        let reorder = try Primitive.reorder(from: memory.descriptor, to: layout, engine: engine,
                                            purpose: "an input of \(purpose)")
        steps.append(Step(reorder, [(DNNL_ARG_FROM, memory), (DNNL_ARG_TO, copied)]))
        return copied
    }

    /// Plain values (weights, biases) copied into a memory, reordered now into `layout` if given.
    private func constant(_ values: [Float], shape: [Int], layout: dnnl_memory_desc_t?, purpose: String) throws -> Memory {
        try Memory.constant(values, shape: shape, layout: layout, engine: engine, stream: stream, purpose: purpose)
    }

    /// A node's output reordered into a new plain tensor.
    private func export(_ index: Int) throws -> Tensor {
        guard let memory = results[index] else {
            throw TensorError("node '\(graph.nodes[index].name)' was fused into a residual add and has no output of its own")
        }
        let shape = shapes[index]
        if exports[index] == nil {
            let plain = try dnnl_memory_desc_t.plain(shape)
            exports[index] = (try Primitive.reorder(from: memory.descriptor, to: plain, engine: engine,
                                                    purpose: "the output of node '\(graph.nodes[index].name)'"),
                              try Memory.unbound(plain, engine: engine))
        }
        let (reorder, destination) = exports[index]!
        let values = try [Float](reordering: memory, with: reorder, into: destination, count: shape.reduce(1, *), on: stream)
        return try Tensor(shape: shape, values: values)
    }
}

extension Pooling.Kind {
    var algorithm: dnnl_alg_kind_t {
        switch self {
        case .max: dnnl_pooling_max
        case .average(countingPadding: true): dnnl_pooling_avg_include_padding
        case .average(countingPadding: false): dnnl_pooling_avg_exclude_padding
        }
    }
}
