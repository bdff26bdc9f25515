import CDNNL

/// One step of a compiled backward pass.
enum BackwardAction {
    case execute(Step)
    /// A Swift kernel; the primitives before it have finished when it runs.
    case kernel(() throws -> Void)
}

/// The backward of one node, compiled against the forward plan's memories: maps dL/d(output) to
/// dL/d(each input) with oneDNN's backward-data primitives (no weight gradients) in the layouts
/// they choose (channels-last for the fast convolutions), reading the activations it needs where
/// the forward pass left them, in their own layouts. Small Swift kernels or reorders where oneDNN
/// has nothing fast (concatenation, LRN).
enum NodeBackward {
    /// The gradient passes unchanged to every input (a residual add).
    case identity(inputs: Int)
    /// An activation, from the node's saved output, or its saved input for swish and hard swish.
    case activation(ActivationBackward, saved: Memory)
    /// Softmax backward from the node's saved output.
    case softmax(Primitive, output: Memory)
    /// Convolution or inner product backward data, after the backward of the fused activation
    /// (from the node's saved output) where there is one.
    case weighted(Primitive, weights: Memory, activation: (backward: ActivationBackward, output: Memory)?)
    /// Average pooling backward (also max pooling's relaxed gradient).
    case averagePool(Primitive)
    /// Max pooling: the forward (training) run again on the saved input, which records in the
    /// workspace where each window's maximum was (its output goes to `scratch`), then the
    /// backward that routes each output's gradient there.
    case maxPool(forward: Primitive, backward: Primitive, input: Memory, workspace: Memory, scratch: Memory)
    /// Local response normalisation from the saved input (`LocalResponseNormalization.inputGradient`).
    case localResponseNormalization(LocalResponseNormalization, input: Memory, shape: [Int])
    /// A concatenation: the gradient cut along the channels into each input's part.
    case split(channels: [Int], shape: [Int])
    /// A product: each factor's gradient is the gradient times the other factor (saved), summed
    /// over the spatial positions for a per-channel second factor.
    case multiply(first: Memory, second: Memory)
    /// A flatten of an [N, C, H, W] input: the gradient read back as `shape`.
    case unflatten(shape: [Int])
    /// The graph input: nothing before it.
    case none

    /// Which forward values the backward of `node` reads: its output, its inputs.
    static func reads(_ node: Node, maxPoolGradient: MaxPoolGradient) -> (output: Bool, inputs: Bool) {
        switch node.operation {
        case .activation(let activation): (activation.isDifferentiableFromOutput, !activation.isDifferentiableFromOutput)
        case .softmax: (true, false)
        case .convolution(let convolution): (convolution.activation != nil, false)
        case .pooling(let pooling): (false, pooling.kind == .max && maxPoolGradient == .exact)
        case .localResponseNormalization, .multiply: (false, true)
        case .input, .add, .globalAveragePool, .linear, .concatenation, .flatten: (false, false)
        }
    }

    /// Compiles the backward of `node` (inputs of `inputShapes`, output of `shape`). `output` and
    /// `inputs` are the forward plan's memories of the node and of its inputs.
    init(_ node: Node, inputShapes: [[Int]], shape: [Int], output: Memory?, inputs: [Memory?], maxPoolGradient: MaxPoolGradient,
         activationGradient: ActivationGradient, engine: Engine, stream: Stream) throws {
        let purpose = "the gradient of node '\(node.name)'"
        func kept(_ memory: Memory?, _ what: String) throws -> Memory {
            guard let memory else { throw TensorError("\(purpose) needs the node's \(what), which the forward pass did not keep") }
            return memory
        }
        let input = inputs.first ?? nil
        switch node.operation {
        case .input:
            self = .none
        case .add:
            self = .identity(inputs: 2)
        case .activation(let activation):
            let saved = activation.isDifferentiableFromOutput ? try kept(output, "output") : try kept(input, "input")
            self = .activation(try ActivationBackward(activation, activationGradient, saved: saved.descriptor, engine: engine,
                                                      purpose: purpose),
                               saved: saved)
        case .convolution(let convolution):
            let (data, weights) = try Self.convolution(convolution, source: inputShapes[0], output: shape, engine: engine,
                                                       stream: stream, purpose: purpose)
            if let activation = convolution.activation {
                let output = try kept(output, "output")
                let backward = try ActivationBackward(activation, activationGradient, saved: output.descriptor, engine: engine,
                                                      purpose: purpose)
                self = .weighted(data, weights: weights, activation: (backward, output))
            } else {
                self = .weighted(data, weights: weights, activation: nil)
            }
        case .pooling(let pooling):
            let padding = pooling.padding
            let window = PoolingWindow(kernel: [pooling.kernel, pooling.kernel], stride: pooling.stride,
                                       low: [padding.top, padding.left], high: [padding.bottom, padding.right])
            let source = try input?.descriptor ?? .plain(inputShapes[0])
            switch (pooling.kind, maxPoolGradient) {
            case (.max, .exact):
                let input = try kept(input, "input")
                let (forwardDescriptor, backwardDescriptor) = try window.descriptors(dnnl_pooling_max, source: source, output: shape,
                                                                                     purpose: purpose)
                let forward = try Primitive(forwardDescriptor, engine: engine, purpose: purpose)
                let backward = try Primitive(backwardDescriptor, hint: forward, engine: engine, purpose: purpose)
                guard let layout = backward.workspace else { throw TensorError("oneDNN gave no workspace for \(purpose)") }
                self = .maxPool(forward: forward, backward: backward, input: input, workspace: try Memory(layout, engine: engine),
                                scratch: try Memory(forward.memoryDescriptor(dnnl_query_dst_md), engine: engine))
            case (.max, .relaxed):
                self = .averagePool(try Self.averagePool(dnnl_pooling_avg_include_padding, window, source: source, output: shape,
                                                         engine: engine, purpose: purpose))
            case (.average, _):
                self = .averagePool(try Self.averagePool(pooling.kind.algorithm, window, source: source, output: shape,
                                                         engine: engine, purpose: purpose))
            }
        case .globalAveragePool:
            let sourceShape = inputShapes[0]
            let window = PoolingWindow(kernel: [sourceShape[2], sourceShape[3]], stride: 1, low: [0, 0], high: [0, 0])
            self = .averagePool(try Self.averagePool(dnnl_pooling_avg_exclude_padding, window,
                                                     source: input?.descriptor ?? .plain(sourceShape), output: shape,
                                                     engine: engine, purpose: purpose))
        case .linear(let linear):
            let (data, weights) = try Self.linear(linear, source: inputShapes[0], output: shape, engine: engine, stream: stream,
                                                  purpose: purpose)
            self = .weighted(data, weights: weights, activation: nil)
        case .softmax:
            let output = try kept(output, "output")
            self = .softmax(try Self.softmax(data: output.descriptor, engine: engine, purpose: purpose), output: output)
        case .localResponseNormalization(let normalization):
            self = .localResponseNormalization(normalization, input: try kept(input, "input"), shape: shape)
        case .concatenation:
            self = .split(channels: inputShapes.map { $0[1] }, shape: shape)
        case .multiply:
            self = .multiply(first: try kept(inputs[0], "first input"), second: try kept(inputs[1], "second input"))
        case .flatten:
            self = inputShapes[0].count == 4 ? .unflatten(shape: inputShapes[0]) : .identity(inputs: 1)
        }
    }

    /// The layout the node's gradient must arrive in; nil: any (it is passed on as it is).
    func gradientLayout() throws -> dnnl_memory_desc_t? {
        switch self {
        case .identity, .none: nil
        case .activation(let backward, let saved), .weighted(_, _, .some((let backward, let saved))):
            try backward.gradientLayout(saved: saved)
        case .softmax(let backward, _), .weighted(let backward, _, .none), .averagePool(let backward),
             .maxPool(_, let backward, _, _, _):
            try backward.memoryDescriptor(dnnl_query_diff_dst_md)
        case .localResponseNormalization(_, _, let shape):
            try .plain(shape)
        case .split(_, let shape):
            // Channels-last: any channel range of it is a strided view that a reorder can read.
            try dnnl_memory_desc_t(dims: shape, tag: dnnl_acdb)
        case .multiply(let first, _):
            // The forward product's layout.
            first.descriptor
        case .unflatten(let shape):
            try .plain([shape[0], shape.dropFirst().reduce(1, *)])
        }
    }

    /// The steps that compute the gradients of the inputs marked in `wanted` from `gradient` (in
    /// `gradientLayout`), each into a new memory the plan keeps, and those memories (nil for the
    /// inputs not wanted). With `overwritable`, nothing else reads `gradient`: an activation's
    /// backward writes its result there instead of into another memory (less memory traffic).
    func actions(gradient: Memory, overwritable: Bool, wanted: [Bool], engine: Engine,
                 stream: Stream) throws -> (actions: [BackwardAction], inputGradients: [Memory?]) {
        func run(_ primitive: Primitive, _ arguments: [(Int32, Memory)]) -> BackwardAction {
            .execute(Step(primitive, arguments))
        }
        func result(_ primitive: Primitive) throws -> Memory {
            try Memory(primitive.memoryDescriptor(dnnl_query_diff_src_md), engine: engine)
        }
        switch self {
        case .none:
            return ([], [])
        case .identity(let inputs):
            return ([], wanted.prefix(inputs).map { $0 ? gradient : nil })
        case .activation(let backward, let saved):
            let (actions, inputGradient) = try backward.actions(saved: saved, gradient: gradient, overwritable: overwritable,
                                                                engine: engine)
            return (actions, [inputGradient])
        case .softmax(let backward, let output):
            let inputGradient = try result(backward)
            return ([run(backward, [(DNNL_ARG_DST, output), (DNNL_ARG_DIFF_DST, gradient), (DNNL_ARG_DIFF_SRC, inputGradient)])],
                    [inputGradient])
        case .weighted(let backward, let weights, let activation):
            var actions: [BackwardAction] = [], outputGradient = gradient
            if let (activationBackward, output) = activation {
                let (activationActions, beforeActivation) = try activationBackward.actions(saved: output, gradient: gradient,
                                                                                           overwritable: overwritable,
                                                                                           engine: engine)
                actions += activationActions
                outputGradient = beforeActivation
                let layout = try backward.memoryDescriptor(dnnl_query_diff_dst_md)
                if !beforeActivation.descriptor.matches(layout) {
                    outputGradient = try Memory(layout, engine: engine)
                    let reorder = try Primitive.reorder(from: beforeActivation.descriptor, to: layout, engine: engine,
                                                        purpose: "an argument of \(backward.purpose)")
                    actions.append(run(reorder, [(DNNL_ARG_FROM, beforeActivation), (DNNL_ARG_TO, outputGradient)]))
                }
            }
            let inputGradient = try result(backward)
            actions.append(run(backward, [(DNNL_ARG_DIFF_DST, outputGradient), (DNNL_ARG_WEIGHTS, weights),
                                          (DNNL_ARG_DIFF_SRC, inputGradient)]))
            return (actions, [inputGradient])
        case .averagePool(let backward):
            let inputGradient = try result(backward)
            return ([run(backward, [(DNNL_ARG_DIFF_DST, gradient), (DNNL_ARG_DIFF_SRC, inputGradient)])], [inputGradient])
        case .maxPool(let forward, let backward, let input, let workspace, let scratch):
            let inputGradient = try result(backward)
            return ([run(forward, [(DNNL_ARG_SRC, input), (DNNL_ARG_DST, scratch), (DNNL_ARG_WORKSPACE, workspace)]),
                     run(backward, [(DNNL_ARG_DIFF_DST, gradient), (DNNL_ARG_WORKSPACE, workspace),
                                    (DNNL_ARG_DIFF_SRC, inputGradient)])],
                    [inputGradient])
        case .localResponseNormalization(let normalization, let input, let shape):
            var actions: [BackwardAction] = []
            let plain = try dnnl_memory_desc_t.plain(shape)
            var plainInput = input
            if !input.descriptor.matches(plain) {
                plainInput = try Memory(plain, engine: engine)
                let reorder = try Primitive.reorder(from: input.descriptor, to: plain, engine: engine,
                                                    purpose: "the input of a local response normalisation's gradient")
                actions.append(run(reorder, [(DNNL_ARG_FROM, input), (DNNL_ARG_TO, plainInput)]))
            }
            let inputGradient = try Memory(plain, engine: engine)
            actions.append(.kernel {
                normalization.inputGradient(input: UnsafeBufferPointer(try plainInput.floats()),
                                            outputGradient: UnsafeBufferPointer(try gradient.floats()),
                                            into: try inputGradient.floats(), shape: shape)
            })
            return (actions, [inputGradient])
        case .split(let channels, let shape):
            var actions: [BackwardAction] = [], inputGradients: [Memory?] = [], start = 0
            var whole = gradient.descriptor
            for (count, isWanted) in zip(channels, wanted) {
                defer { start += count }
                guard isWanted else {
                    inputGradients.append(nil)
                    continue
                }
                let partShape = [shape[0], count] + shape.dropFirst(2)
                var offsets = [Int64](repeating: 0, count: shape.count)
                offsets[1] = Int64(start)
                var part = dnnl_memory_desc_t()
                try check(dnnl_memory_desc_init_submemory(&part, &whole, partShape.map(Int64.init), offsets),
                          "dnnl_memory_desc_init_submemory", for: "a part of a concatenation's gradient")
                let view = try Memory.unbound(part, engine: engine)
                try view.bind(gradient.dataHandle())
                let layout = try dnnl_memory_desc_t(dims: partShape, tag: dnnl_acdb)
                let inputGradient = try Memory(layout, engine: engine)
                let reorder = try Primitive.reorder(from: part, to: layout, engine: engine,
                                                    purpose: "a part of a concatenation's gradient")
                actions.append(run(reorder, [(DNNL_ARG_FROM, view), (DNNL_ARG_TO, inputGradient)]))
                inputGradients.append(inputGradient)
            }
            return (actions, inputGradients)
        case .multiply(let first, let second):
            var actions: [BackwardAction] = []
            let purpose = "the gradient of a product"
            func product(_ factor: Memory) throws -> Memory {
                let multiply = try Primitive.product(gradient.descriptor, factor.descriptor, engine: engine, purpose: purpose)
                let result = try Memory(multiply.memoryDescriptor(dnnl_query_dst_md), engine: engine)
                actions.append(run(multiply, [(DNNL_ARG_SRC_0, gradient), (DNNL_ARG_SRC_1, factor), (DNNL_ARG_DST, result)]))
                return result
            }
            let firstGradient = wanted[0] ? try product(second) : nil
            var secondGradient = wanted[1] ? try product(first) : nil
            if let whole = secondGradient, whole.descriptor.shape != second.descriptor.shape {
                // A per-channel factor: its gradient summed over the spatial positions.
                var source = whole.descriptor, destination = try dnnl_memory_desc_t.any(second.descriptor.shape)
                var descriptor = dnnl_reduction_desc_t()
                try check(dnnl_reduction_desc_init(&descriptor, dnnl_reduction_sum, &source, &destination, 0, 0),
                          "dnnl_reduction_desc_init", for: purpose)
                let sum = try Primitive(descriptor, engine: engine, purpose: purpose)
                secondGradient = try Memory(sum.memoryDescriptor(dnnl_query_dst_md), engine: engine)
                actions.append(run(sum, [(DNNL_ARG_SRC, whole), (DNNL_ARG_DST, secondGradient!)]))
            }
            return (actions, [firstGradient, secondGradient])
        case .unflatten(let shape):
            // The gradient, plain [N, C * H * W], read as plain [N, C, H, W] and copied (the input's
            // backward may overwrite its gradient in place).
            let plain = try dnnl_memory_desc_t.plain(shape)
            let view = try Memory.unbound(plain, engine: engine)
            try view.bind(gradient.dataHandle())
            let inputGradient = try Memory(plain, engine: engine)
            let copy = try Primitive.reorder(from: plain, to: plain, engine: engine, purpose: "the gradient of a flatten")
            return ([run(copy, [(DNNL_ARG_FROM, view), (DNNL_ARG_TO, inputGradient)])], [inputGradient])
        }
    }

    // MARK: Primitives

    /// Convolution backward data (the transposed convolution with the same weights) and the
    /// weights in its layout. Channels-last gradients where oneDNN has a fast kernel for them: the
    /// forward pass keeps its activations channels-last, and so the activations' backward hands
    /// gradients over without reorders. Otherwise the layouts oneDNN picks.
    private static func convolution(_ convolution: Convolution, source: [Int], output: [Int], engine: Engine,
                                    stream: Stream, purpose: String) throws -> (Primitive, Memory) {
        let weightsShape = convolution.oneDNNWeightsShape
        let padding = convolution.padding
        let strides = [Int64(convolution.stride), Int64(convolution.stride)], dilation = convolution.oneDNNDilation
        let low = [Int64(padding.top), Int64(padding.left)], high = [Int64(padding.bottom), Int64(padding.right)]
        func backward(_ tag: dnnl_format_tag_t) throws -> (Primitive, Memory) {
            var sourceDescriptor = try dnnl_memory_desc_t(dims: source, tag: tag), weights = try dnnl_memory_desc_t.any(weightsShape)
            var outputDescriptor = try dnnl_memory_desc_t(dims: output, tag: tag), noBias = dnnl_memory_desc_t()
            var forward = dnnl_convolution_desc_t(), backward = dnnl_convolution_desc_t()
            try check(dnnl_dilated_convolution_forward_desc_init(&forward, dnnl_forward_training, dnnl_convolution_direct,
                                                                 &sourceDescriptor, &weights, &noBias, &outputDescriptor, strides,
                                                                 dilation, low, high),
                      "dnnl_dilated_convolution_forward_desc_init", for: purpose)
            try check(dnnl_dilated_convolution_backward_data_desc_init(&backward, dnnl_convolution_direct, &sourceDescriptor,
                                                                       &weights, &outputDescriptor, strides, dilation, low, high),
                      "dnnl_dilated_convolution_backward_data_desc_init", for: purpose)
            return try backwardData(forward: forward, backward: backward, weights: convolution.weights.values,
                                    weightsShape: weightsShape, engine: engine, stream: stream, purpose: purpose)
        }
        if let channelsLast = try? backward(dnnl_acdb), !channelsLast.0.implementation.hasPrefix("ref") {
            return channelsLast
        }
        return try backward(dnnl_format_tag_any)
    }

    /// Average pooling backward: each output's gradient spread evenly over its window, into the
    /// source's layout.
    private static func averagePool(_ algorithm: dnnl_alg_kind_t, _ window: PoolingWindow, source: dnnl_memory_desc_t,
                                    output: [Int], engine: Engine, purpose: String) throws -> Primitive {
        let (forward, backward) = try window.descriptors(algorithm, source: source, output: output, purpose: purpose)
        let hint = try Primitive(forward, engine: engine, purpose: purpose)
        return try Primitive(backward, hint: hint, engine: engine, purpose: purpose)
    }

    /// Inner product backward data: the output gradient times the weights.
    private static func linear(_ linear: Linear, source: [Int], output: [Int], engine: Engine, stream: Stream,
                               purpose: String) throws -> (Primitive, Memory) {
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
                                weightsShape: weightsShape, engine: engine, stream: stream, purpose: purpose)
    }

    /// The backward-data primitive of a weighted operation (convolution, inner product), created
    /// with its forward as the hint, and the weights in the layout it wants.
    private static func backwardData<Forward, Backward>(forward: Forward, backward: Backward, weights: [Float],
                                                        weightsShape: [Int], engine: Engine, stream: Stream,
                                                        purpose: String) throws -> (Primitive, Memory) {
        let hint = try Primitive(forward, engine: engine, purpose: purpose)
        let primitive = try Primitive(backward, hint: hint, engine: engine, purpose: purpose)
        let weightsMemory = try Memory.constant(weights, shape: weightsShape,
                                                layout: primitive.memoryDescriptor(dnnl_query_weights_md), engine: engine,
                                                stream: stream, purpose: purpose)
        return (primitive, weightsMemory)
    }

    /// Softmax backward from the forward output y, in its layout: dx = y * (dy - sum(dy * y)).
    private static func softmax(data: dnnl_memory_desc_t, engine: Engine, purpose: String) throws -> Primitive {
        var data = data
        var forward = dnnl_softmax_desc_t(), backward = dnnl_softmax_desc_t()
        try check(dnnl_softmax_forward_desc_init(&forward, dnnl_forward_training, &data, 1),
                  "dnnl_softmax_forward_desc_init", for: purpose)
        try check(dnnl_softmax_backward_desc_init(&backward, &data, &data, 1), "dnnl_softmax_backward_desc_init", for: purpose)
        let hint = try Primitive(forward, engine: engine, purpose: purpose)
        return try Primitive(backward, hint: hint, engine: engine, purpose: purpose)
    }
}

extension Convolution {
    /// The weights' shape as oneDNN takes them: [groups, out / groups, in / groups, kh, kw] for a
    /// grouped convolution, otherwise PyTorch's [out, in, kh, kw].
    var oneDNNWeightsShape: [Int] {
        groups == 1 ? weights.shape : [groups, outputChannels / groups] + weights.shape.dropFirst()
    }

    /// The dilation as oneDNN takes it: the pixels skipped between taps (0 for none).
    var oneDNNDilation: [Int64] {
        [Int64(dilation - 1), Int64(dilation - 1)]
    }
}

/// A pooling window as oneDNN takes it: kernel, stride, and padding before and after.
private struct PoolingWindow {
    let kernel: [Int]
    let stride: Int
    let low: [Int]
    let high: [Int]

    /// The forward (training) and backward descriptors of pooling `source` (in the forward pass's
    /// layout: oneDNN's pooling takes no `any` source) into `output`.
    func descriptors(_ algorithm: dnnl_alg_kind_t, source: dnnl_memory_desc_t, output: [Int],
                     purpose: String) throws -> (dnnl_pooling_desc_t, dnnl_pooling_desc_t) {
        var sourceDescriptor = source, outputDescriptor = try dnnl_memory_desc_t.any(output)
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
