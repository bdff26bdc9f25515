import CDNNL

/// The backward of one node: maps dL/d(node output) to dL/d(each input), in plain layout, with
/// oneDNN's backward-data primitives (no weight gradients). Compiled once per input shape.
enum NodeBackward {
    /// The gradient passes unchanged to every input (a residual add).
    case identity(inputs: Int)
    /// One primitive run: `invocation` reads the saved forward output of the node (when
    /// `readsOutput`) and the output gradient, in that order.
    case primitive(PlainInvocation, readsOutput: Bool)
    /// A convolution with a fused activation: the activation's backward, then the convolution's.
    case chain(PlainInvocation, PlainInvocation)
    /// The graph input: nothing before it.
    case none

    /// Whether the backward reads the node's forward output (activations, softmax).
    var readsOutput: Bool {
        switch self {
        case .primitive(_, let reads): reads
        case .chain: true
        case .identity, .none: false
        }
    }

    /// dL/d(input) for each input of the node, from dL/d(output) and, where needed, the node's
    /// forward output.
    func inputGradients(_ gradient: [Float], output: [Float]?) throws -> [[Float]] {
        func saved() throws -> [Float] {
            guard let output else { throw TensorError("a backward step ran without the forward output it reads") }
            return output
        }
        switch self {
        case .none: return []
        case .identity(let inputs): return Array(repeating: gradient, count: inputs)
        case .primitive(let invocation, let readsOutput):
            return [try invocation.run(readsOutput ? [saved(), gradient] : [gradient])]
        case .chain(let activation, let convolution):
            return [try convolution.run([activation.run([saved(), gradient])])]
        }
    }

    /// Compiles the backward of `node`, whose inputs have `inputShapes` and output `shape`.
    init(_ node: Node, inputShapes: [[Int]], shape: [Int], engine: Engine, stream: Stream) throws {
        let purpose = "the backward of node '\(node.name)'"
        switch node.operation {
        case .input:
            self = .none
        case .add:
            self = .identity(inputs: 2)
        case .activation(let activation):
            self = .primitive(try Self.activation(activation, shape: shape, engine: engine, stream: stream, purpose: purpose),
                              readsOutput: true)
        case .convolution(let convolution):
            let data = try Self.convolution(convolution, source: inputShapes[0], output: shape, engine: engine, stream: stream,
                                            purpose: purpose)
            if let activation = convolution.activation {
                self = .chain(try Self.activation(activation, shape: shape, engine: engine, stream: stream, purpose: purpose), data)
            } else {
                self = .primitive(data, readsOutput: false)
            }
        case .pooling(let pooling):
            guard case .average = pooling.kind else {
                throw TensorError("node '\(node.name)': max pooling has no backward here (it needs the forward's workspace)")
            }
            let padding = pooling.padding
            self = .primitive(try Self.averagePool(pooling.kind.algorithm, kernel: [pooling.kernel, pooling.kernel],
                                                   stride: pooling.stride,
                                                   padding: ([padding.top, padding.left], [padding.bottom, padding.right]),
                                                   source: inputShapes[0], output: shape, engine: engine, stream: stream,
                                                   purpose: purpose),
                              readsOutput: false)
        case .globalAveragePool:
            let source = inputShapes[0]
            self = .primitive(try Self.averagePool(dnnl_pooling_avg_exclude_padding, kernel: [source[2], source[3]], stride: 1,
                                                   padding: ([0, 0], [0, 0]), source: source, output: shape, engine: engine,
                                                   stream: stream, purpose: purpose),
                              readsOutput: false)
        case .linear(let linear):
            self = .primitive(try Self.linear(linear, source: inputShapes[0], output: shape, engine: engine, stream: stream,
                                              purpose: purpose),
                              readsOutput: false)
        case .softmax:
            self = .primitive(try Self.softmax(shape: shape, engine: engine, stream: stream, purpose: purpose), readsOutput: true)
        }
    }

    // MARK: Primitives

    /// ReLU or ReLU6 backward from the forward output: the gradient passes where the output is
    /// above 0 (and, for ReLU6, strictly below 6: clip_v2 passes it only strictly inside, as
    /// PyTorch's hardtanh does).
    private static func activation(_ activation: Activation, shape: [Int], engine: Engine, stream: Stream,
                                   purpose: String) throws -> PlainInvocation {
        let algorithm = switch activation {
        case .relu: dnnl_eltwise_relu_use_dst_for_bwd
        case .relu6: dnnl_eltwise_clip_v2_use_dst_for_bwd
        }
        let (_, alpha, beta) = activation.eltwise
        var data = try dnnl_memory_desc_t.plain(shape)
        var forward = dnnl_eltwise_desc_t(), backward = dnnl_eltwise_desc_t()
        try check(dnnl_eltwise_forward_desc_init(&forward, dnnl_forward_training, algorithm, &data, alpha, beta),
                  "dnnl_eltwise_forward_desc_init", for: purpose)
        try check(dnnl_eltwise_backward_desc_init(&backward, algorithm, &data, &data, alpha, beta),
                  "dnnl_eltwise_backward_desc_init", for: purpose)
        return try backwardFromOutput(forward: forward, backward: backward, shape: shape, engine: engine, stream: stream,
                                      purpose: purpose)
    }

    /// Convolution backward data (the transposed convolution with the same weights), in the
    /// layouts oneDNN picks (channels-last for its fast kernels).
    private static func convolution(_ convolution: Convolution, source: [Int], output: [Int], engine: Engine,
                                    stream: Stream, purpose: String) throws -> PlainInvocation {
        let weightsShape = convolution.oneDNNWeightsShape
        let padding = convolution.padding
        let strides = [Int64(convolution.stride), Int64(convolution.stride)]
        let low = [Int64(padding.top), Int64(padding.left)], high = [Int64(padding.bottom), Int64(padding.right)]
        var sourceDescriptor = try dnnl_memory_desc_t.any(source), weights = try dnnl_memory_desc_t.any(weightsShape)
        var outputDescriptor = try dnnl_memory_desc_t.any(output), noBias = dnnl_memory_desc_t()
        var forward = dnnl_convolution_desc_t(), backward = dnnl_convolution_desc_t()
        try check(dnnl_convolution_forward_desc_init(&forward, dnnl_forward_training, dnnl_convolution_direct, &sourceDescriptor,
                                                     &weights, &noBias, &outputDescriptor, strides, low, high),
                  "dnnl_convolution_forward_desc_init", for: purpose)
        try check(dnnl_convolution_backward_data_desc_init(&backward, dnnl_convolution_direct, &sourceDescriptor, &weights,
                                                           &outputDescriptor, strides, low, high),
                  "dnnl_convolution_backward_data_desc_init", for: purpose)
        return try backwardData(forward: forward, backward: backward, weights: convolution.weights.values,
                                weightsShape: weightsShape, source: source, output: output, engine: engine, stream: stream,
                                purpose: purpose)
    }

    /// Average pooling backward: each output's gradient spread evenly over its window.
    private static func averagePool(_ algorithm: dnnl_alg_kind_t, kernel: [Int], stride: Int, padding: (low: [Int], high: [Int]),
                                    source: [Int], output: [Int], engine: Engine, stream: Stream,
                                    purpose: String) throws -> PlainInvocation {
        // oneDNN's pooling takes no `any` source; plain suits the small tensors it sees here.
        var sourceDescriptor = try dnnl_memory_desc_t.plain(source), outputDescriptor = try dnnl_memory_desc_t.any(output)
        let strides = [Int64(stride), Int64(stride)], kernel = kernel.map(Int64.init)
        let low = padding.low.map(Int64.init), high = padding.high.map(Int64.init)
        var forward = dnnl_pooling_desc_t(), backward = dnnl_pooling_desc_t()
        try check(dnnl_pooling_forward_desc_init(&forward, dnnl_forward_training, algorithm, &sourceDescriptor, &outputDescriptor,
                                                 strides, kernel, low, high),
                  "dnnl_pooling_forward_desc_init", for: purpose)
        try check(dnnl_pooling_backward_desc_init(&backward, algorithm, &sourceDescriptor, &outputDescriptor, strides, kernel, low, high),
                  "dnnl_pooling_backward_desc_init", for: purpose)
        let hint = try Primitive(forward, engine: engine, purpose: purpose)
        let primitive = try Primitive(backward, hint: hint, engine: engine, purpose: purpose)
        return try PlainInvocation(primitive, inputs: [.init(number: DNNL_ARG_DIFF_DST, query: dnnl_query_diff_dst_md, shape: output)],
                                   constants: [],
                                   output: .init(number: DNNL_ARG_DIFF_SRC, query: dnnl_query_diff_src_md, shape: source),
                                   engine: engine, stream: stream)
    }

    /// Inner product backward data: the output gradient times the weights.
    private static func linear(_ linear: Linear, source: [Int], output: [Int], engine: Engine, stream: Stream,
                               purpose: String) throws -> PlainInvocation {
        let weightsShape = [linear.weights.shape[0]] + source.dropFirst()
        var sourceDescriptor = try dnnl_memory_desc_t.any(source), weights = try dnnl_memory_desc_t.any(weightsShape)
        var outputDescriptor = try dnnl_memory_desc_t.any(output), noBias = dnnl_memory_desc_t()
        var forward = dnnl_inner_product_desc_t(), backward = dnnl_inner_product_desc_t()
        try check(dnnl_inner_product_forward_desc_init(&forward, dnnl_forward_training, &sourceDescriptor, &weights, &noBias,
                                                       &outputDescriptor),
                  "dnnl_inner_product_forward_desc_init", for: purpose)
        try check(dnnl_inner_product_backward_data_desc_init(&backward, &sourceDescriptor, &weights, &outputDescriptor),
                  "dnnl_inner_product_backward_data_desc_init", for: purpose)
        return try backwardData(forward: forward, backward: backward, weights: linear.weights.values,
                                weightsShape: weightsShape, source: source, output: output, engine: engine, stream: stream,
                                purpose: purpose)
    }

    /// The backward-data primitive of a weighted operation (convolution, inner product), created
    /// with its forward as the hint, that maps the output gradient to the source gradient with the
    /// weights held as a constant in the layout the primitive wants.
    private static func backwardData<Forward, Backward>(forward: Forward, backward: Backward, weights: [Float],
                                                        weightsShape: [Int], source: [Int], output: [Int], engine: Engine,
                                                        stream: Stream, purpose: String) throws -> PlainInvocation {
        let hint = try Primitive(forward, engine: engine, purpose: purpose)
        let primitive = try Primitive(backward, hint: hint, engine: engine, purpose: purpose)
        let weightsMemory = try Memory.constant(weights, shape: weightsShape,
                                                layout: primitive.memoryDescriptor(dnnl_query_weights_md), engine: engine,
                                                stream: stream, purpose: purpose)
        return try PlainInvocation(primitive, inputs: [.init(number: DNNL_ARG_DIFF_DST, query: dnnl_query_diff_dst_md, shape: output)],
                                   constants: [(DNNL_ARG_WEIGHTS, weightsMemory)],
                                   output: .init(number: DNNL_ARG_DIFF_SRC, query: dnnl_query_diff_src_md, shape: source),
                                   engine: engine, stream: stream)
    }

    /// Softmax backward from the forward output y: dx = y * (dy - sum(dy * y)).
    private static func softmax(shape: [Int], engine: Engine, stream: Stream, purpose: String) throws -> PlainInvocation {
        var data = try dnnl_memory_desc_t.plain(shape)
        var forward = dnnl_softmax_desc_t(), backward = dnnl_softmax_desc_t()
        try check(dnnl_softmax_forward_desc_init(&forward, dnnl_forward_training, &data, 1),
                  "dnnl_softmax_forward_desc_init", for: purpose)
        try check(dnnl_softmax_backward_desc_init(&backward, &data, &data, 1), "dnnl_softmax_backward_desc_init", for: purpose)
        return try backwardFromOutput(forward: forward, backward: backward, shape: shape, engine: engine, stream: stream,
                                      purpose: purpose)
    }

    /// The backward primitive (hinted by its forward) of an elementwise operation whose gradient
    /// follows from the forward output and the output gradient (ReLU, ReLU6, softmax).
    private static func backwardFromOutput<Forward, Backward>(forward: Forward, backward: Backward, shape: [Int],
                                                              engine: Engine, stream: Stream,
                                                              purpose: String) throws -> PlainInvocation {
        let hint = try Primitive(forward, engine: engine, purpose: purpose)
        let primitive = try Primitive(backward, hint: hint, engine: engine, purpose: purpose)
        return try PlainInvocation(primitive, inputs: [.init(number: DNNL_ARG_DST, query: dnnl_query_dst_md, shape: shape),
                                                       .init(number: DNNL_ARG_DIFF_DST, query: dnnl_query_diff_dst_md, shape: shape)],
                                   constants: [], output: .init(number: DNNL_ARG_DIFF_SRC, query: dnnl_query_diff_src_md, shape: shape),
                                   engine: engine, stream: stream)
    }
}

extension Convolution {
    /// The weights' shape as oneDNN takes them: [groups, out / groups, in / groups, kh, kw] for a
    /// grouped convolution, otherwise PyTorch's [out, in, kh, kw].
    var oneDNNWeightsShape: [Int] {
        groups == 1 ? weights.shape : [groups, outputChannels / groups] + weights.shape.dropFirst()
    }
}
