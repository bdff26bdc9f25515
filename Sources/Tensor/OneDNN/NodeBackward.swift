import CDNNL

/// The backward of one node: maps dL/d(node output) to dL/d(each input), in plain layout, with
/// oneDNN's backward-data primitives (no weight gradients), or small Swift kernels where oneDNN
/// has nothing fast (concatenation, LRN). Compiled once per input shape.
enum NodeBackward {
    /// An array a backward primitive reads: the output gradient, or the node's output saved by
    /// the forward pass.
    enum Operand {
        case gradient
        case output
    }

    /// The gradient passes unchanged to every input (a residual add).
    case identity(inputs: Int)
    /// One primitive run on `reads`, in that order. `workspace`, when given, is the node's forward
    /// run again on its saved input first, to fill the workspace the backward reads (which input
    /// won each max-pooling window).
    case primitive(PlainInvocation, reads: [Operand], workspace: PlainInvocation? = nil)
    /// A convolution with a fused activation: the activation's backward, then the convolution's.
    case chain(PlainInvocation, PlainInvocation)
    /// A concatenation: the gradient cut along the channels into each input's part.
    case split(ChannelSplit)
    /// Local response normalisation, from the saved input (`LocalResponseNormalization.inputGradient`).
    case localResponseNormalization(LocalResponseNormalization, shape: [Int])
    /// The graph input: nothing before it.
    case none

    /// Whether the backward reads the node's forward output (activations, softmax).
    var readsOutput: Bool {
        switch self {
        case .primitive(_, let reads, _): reads.contains(.output)
        case .chain: true
        case .identity, .split, .localResponseNormalization, .none: false
        }
    }

    /// Whether the backward reads the node's (first) input (max pooling, LRN).
    var readsInput: Bool {
        switch self {
        case .primitive(_, _, let workspace): workspace != nil
        case .localResponseNormalization: true
        case .chain, .identity, .split, .none: false
        }
    }

    /// dL/d(input) for each input of the node, from dL/d(output) and, where needed, the node's
    /// forward output and input.
    func inputGradients(_ gradient: [Float], output: [Float]?, input: [Float]?) throws -> [[Float]] {
        func saved(_ value: [Float]?) throws -> [Float] {
            guard let value else { throw TensorError("a backward step ran without the forward value it reads") }
            return value
        }
        switch self {
        case .none: return []
        case .identity(let inputs): return Array(repeating: gradient, count: inputs)
        case .primitive(let invocation, let reads, let workspace):
            if let workspace { _ = try workspace.run([saved(input)]) }
            return [try invocation.run(reads.map { operand in
                switch operand {
                case .gradient: gradient
                case .output: try saved(output)
                }
            })]
        case .chain(let activation, let convolution):
            return [try convolution.run([activation.run([saved(output), gradient])])]
        case .split(let split):
            return split.parts(of: gradient)
        case .localResponseNormalization(let normalization, let shape):
            return [normalization.inputGradient(input: try saved(input), outputGradient: gradient, shape: shape)]
        }
    }

    /// Compiles the backward of `node`, whose inputs have `inputShapes` and output `shape`, with
    /// max pooling's gradient as `maxPoolGradient` says.
    init(_ node: Node, inputShapes: [[Int]], shape: [Int], maxPoolGradient: MaxPoolGradient, engine: Engine,
         stream: Stream) throws {
        let purpose = "the backward of node '\(node.name)'"
        switch node.operation {
        case .input:
            self = .none
        case .add:
            self = .identity(inputs: 2)
        case .activation(let activation):
            self = .primitive(try Self.activation(activation, shape: shape, engine: engine, stream: stream, purpose: purpose),
                              reads: [.output, .gradient])
        case .convolution(let convolution):
            let data = try Self.convolution(convolution, source: inputShapes[0], output: shape, engine: engine, stream: stream,
                                            purpose: purpose)
            if let activation = convolution.activation {
                self = .chain(try Self.activation(activation, shape: shape, engine: engine, stream: stream, purpose: purpose), data)
            } else {
                self = .primitive(data, reads: [.gradient])
            }
        case .pooling(let pooling):
            let padding = pooling.padding
            let window = PoolingWindow(kernel: [pooling.kernel, pooling.kernel], stride: pooling.stride,
                                       low: [padding.top, padding.left], high: [padding.bottom, padding.right])
            switch (pooling.kind, maxPoolGradient) {
            case (.max, .exact):
                let (forward, backward) = try Self.maxPool(window, source: inputShapes[0], output: shape, engine: engine,
                                                           stream: stream, purpose: purpose)
                self = .primitive(backward, reads: [.gradient], workspace: forward)
            case (.max, .relaxed):
                self = .primitive(try Self.averagePool(dnnl_pooling_avg_include_padding, window, source: inputShapes[0],
                                                       output: shape, engine: engine, stream: stream, purpose: purpose),
                                  reads: [.gradient])
            case (.average, _):
                self = .primitive(try Self.averagePool(pooling.kind.algorithm, window, source: inputShapes[0], output: shape,
                                                       engine: engine, stream: stream, purpose: purpose),
                                  reads: [.gradient])
            }
        case .globalAveragePool:
            let source = inputShapes[0]
            let window = PoolingWindow(kernel: [source[2], source[3]], stride: 1, low: [0, 0], high: [0, 0])
            self = .primitive(try Self.averagePool(dnnl_pooling_avg_exclude_padding, window, source: source, output: shape,
                                                   engine: engine, stream: stream, purpose: purpose),
                              reads: [.gradient])
        case .linear(let linear):
            self = .primitive(try Self.linear(linear, source: inputShapes[0], output: shape, engine: engine, stream: stream,
                                              purpose: purpose),
                              reads: [.gradient])
        case .softmax:
            self = .primitive(try Self.softmax(shape: shape, engine: engine, stream: stream, purpose: purpose),
                              reads: [.output, .gradient])
        case .localResponseNormalization(let normalization):
            self = .localResponseNormalization(normalization, shape: shape)
        case .concatenation:
            self = .split(ChannelSplit(channels: inputShapes.map { $0[1] }, shape: shape))
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
    private static func averagePool(_ algorithm: dnnl_alg_kind_t, _ window: PoolingWindow, source: [Int], output: [Int],
                                    engine: Engine, stream: Stream, purpose: String) throws -> PlainInvocation {
        let (forward, backward) = try window.descriptors(algorithm, source: source, output: output, purpose: purpose)
        let hint = try Primitive(forward, engine: engine, purpose: purpose)
        let primitive = try Primitive(backward, hint: hint, engine: engine, purpose: purpose)
        return try PlainInvocation(primitive, inputs: [.init(number: DNNL_ARG_DIFF_DST, query: dnnl_query_diff_dst_md, shape: output)],
                                   constants: [],
                                   output: .init(number: DNNL_ARG_DIFF_SRC, query: dnnl_query_diff_src_md, shape: source),
                                   engine: engine, stream: stream)
    }

    /// Max pooling backward: the forward (training) run on the saved input, which records in a
    /// workspace where each window's maximum was (its output is not used), then the backward
    /// that routes each output's gradient there.
    private static func maxPool(_ window: PoolingWindow, source: [Int], output: [Int], engine: Engine, stream: Stream,
                                purpose: String) throws -> (forward: PlainInvocation, backward: PlainInvocation) {
        let (forwardDescriptor, backwardDescriptor) = try window.descriptors(dnnl_pooling_max, source: source, output: output,
                                                                             purpose: purpose)
        let forward = try Primitive(forwardDescriptor, engine: engine, purpose: purpose)
        let backward = try Primitive(backwardDescriptor, hint: forward, engine: engine, purpose: purpose)
        guard let layout = backward.workspace else { throw TensorError("oneDNN gave no workspace for \(purpose)") }
        let workspace = try Memory(layout, engine: engine)
        let refill = try PlainInvocation(forward, inputs: [.init(number: DNNL_ARG_SRC, query: dnnl_query_src_md, shape: source)],
                                         constants: [(DNNL_ARG_WORKSPACE, workspace)],
                                         output: .init(number: DNNL_ARG_DST, query: dnnl_query_dst_md, shape: output),
                                         engine: engine, stream: stream)
        let invocation = try PlainInvocation(backward,
                                             inputs: [.init(number: DNNL_ARG_DIFF_DST, query: dnnl_query_diff_dst_md, shape: output)],
                                             constants: [(DNNL_ARG_WORKSPACE, workspace)],
                                             output: .init(number: DNNL_ARG_DIFF_SRC, query: dnnl_query_diff_src_md, shape: source),
                                             engine: engine, stream: stream)
        return (refill, invocation)
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

/// A pooling window as oneDNN takes it: kernel, stride, and padding before and after.
private struct PoolingWindow {
    let kernel: [Int]
    let stride: Int
    let low: [Int]
    let high: [Int]

    /// The forward (training) and backward descriptors of pooling `source` into `output`.
    func descriptors(_ algorithm: dnnl_alg_kind_t, source: [Int], output: [Int],
                     purpose: String) throws -> (dnnl_pooling_desc_t, dnnl_pooling_desc_t) {
        // oneDNN's pooling takes no `any` source; plain suits the gradients, which are plain.
        var sourceDescriptor = try dnnl_memory_desc_t.plain(source), outputDescriptor = try dnnl_memory_desc_t.any(output)
        let strides = [Int64(stride), Int64(stride)], kernel = kernel.map(Int64.init)
        let low = low.map(Int64.init), high = high.map(Int64.init)
        var forward = dnnl_pooling_desc_t(), backward = dnnl_pooling_desc_t()
        try check(dnnl_pooling_forward_desc_init(&forward, dnnl_forward_training, algorithm, &sourceDescriptor, &outputDescriptor,
                                                 strides, kernel, low, high),
                  "dnnl_pooling_forward_desc_init", for: purpose)
        try check(dnnl_pooling_backward_desc_init(&backward, algorithm, &sourceDescriptor, &outputDescriptor, strides, kernel, low, high),
                  "dnnl_pooling_backward_desc_init", for: purpose)
        return (forward, backward)
    }
}

/// Cuts a plain [N, ΣC_i, rest...] gradient into the [N, C_i, rest...] gradients of a
/// concatenation's inputs.
struct ChannelSplit {
    let channels: [Int]
    let batch: Int
    /// Elements per channel (the product of the dimensions after the channels).
    let plane: Int

    init(channels: [Int], shape: [Int]) {
        (self.channels, batch, plane) = (channels, shape[0], shape.dropFirst(2).reduce(1, *))
    }

    func parts(of gradient: [Float]) -> [[Float]] {
        let total = channels.reduce(0, +)
        var start = 0
        return channels.map { count in
            var part: [Float] = []
            part.reserveCapacity(batch * count * plane)
            for item in 0..<batch {
                let from = (item * total + start) * plane
                part.append(contentsOf: gradient[from..<from + count * plane])
            }
            start += count
            return part
        }
    }
}
