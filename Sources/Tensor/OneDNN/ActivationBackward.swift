import CDNNL

/// The backward of an activation (a node, or fused into a convolution) from its saved output, or
/// its saved input for swish and hard swish, in that memory's own layout.
enum ActivationBackward {
    /// oneDNN's eltwise backward, reading the saved value as `saved` (`DNNL_ARG_DST` for the
    /// output, `DNNL_ARG_SRC` for the input), then `scale` over its result where there is one (a
    /// hard sigmoid's alpha). ReLU6 and clip pass the gradient only strictly inside their bounds
    /// (clip_v2, as PyTorch's hardtanh), hard sigmoid only strictly inside (0, 1).
    case exact(Primitive, saved: Int32, scale: Primitive?)
    /// `Activation.redirectedGradient`, in place, over items of `batch` (ReLU and ReLU6 only).
    case redirected(Activation, batch: Int)

    /// The backward of `activation` whose saved value (see `Activation.isDifferentiableFromOutput`)
    /// has the layout `saved`; `gradient` applies to ReLU and ReLU6 only, other activations always
    /// take the exact one.
    init(_ activation: Activation, _ gradient: ActivationGradient, saved: dnnl_memory_desc_t, engine: Engine,
         purpose: String) throws {
        switch (activation, gradient) {
        case (.relu, .redirected), (.relu6, .redirected):
            // The kernel takes each batch item as one contiguous run of the buffer.
            let batch = saved.shape[0]
            guard saved.format_kind == dnnl_blocked,
                  Int(saved.format_desc.blocking.strides.0) * batch * MemoryLayout<Float>.stride == saved.byteCount else {
                throw TensorError("\(purpose): the redirected gradient needs the batch items one after another in memory, "
                    + "which the layout oneDNN chose for shape \(saved.shape) does not have")
            }
            self = .redirected(activation, batch: batch)
        default:
            let (algorithm, alpha, beta) = activation.eltwiseBackward
            var data = saved
            var forward = dnnl_eltwise_desc_t(), backward = dnnl_eltwise_desc_t()
            try check(dnnl_eltwise_forward_desc_init(&forward, dnnl_forward_training, algorithm, &data, alpha, beta),
                      "dnnl_eltwise_forward_desc_init", for: purpose)
            try check(dnnl_eltwise_backward_desc_init(&backward, algorithm, &data, &data, alpha, beta),
                      "dnnl_eltwise_backward_desc_init", for: purpose)
            let hint = try Primitive(forward, engine: engine, purpose: purpose)
            let primitive = try Primitive(backward, hint: hint, engine: engine, purpose: purpose)
            var scale: Primitive?
            if case .hardSigmoid(let alpha, _) = activation {
                var gradientLayout = try primitive.memoryDescriptor(dnnl_query_diff_src_md)
                var descriptor = dnnl_eltwise_desc_t()
                try check(dnnl_eltwise_forward_desc_init(&descriptor, dnnl_forward_inference, dnnl_eltwise_linear, &gradientLayout,
                                                         alpha, 0),
                          "dnnl_eltwise_forward_desc_init", for: purpose)
                scale = try Primitive(descriptor, engine: engine, purpose: purpose)
            }
            self = .exact(primitive, saved: activation.isDifferentiableFromOutput ? DNNL_ARG_DST : DNNL_ARG_SRC, scale: scale)
        }
    }

    /// The layout the gradient must arrive in, for an activation whose saved value is `saved`.
    func gradientLayout(saved: Memory) throws -> dnnl_memory_desc_t {
        switch self {
        case .exact(let backward, _, _): try backward.memoryDescriptor(dnnl_query_diff_dst_md)
        case .redirected: saved.descriptor
        }
    }

    /// The steps computing the gradient at the activation's input from its saved value `saved`,
    /// and the memory they write it to: `gradient` itself when `overwritable`.
    func actions(saved: Memory, gradient: Memory, overwritable: Bool,
                 engine: Engine) throws -> (actions: [BackwardAction], inputGradient: Memory) {
        switch self {
        case .exact(let backward, let argument, let scale):
            let inputGradient = overwritable ? gradient : try Memory(backward.memoryDescriptor(dnnl_query_diff_src_md),
                                                                     engine: engine)
            var actions: [BackwardAction] = [.execute(Step(backward, [(argument, saved), (DNNL_ARG_DIFF_DST, gradient),
                                                                      (DNNL_ARG_DIFF_SRC, inputGradient)]))]
            if let scale {
                actions.append(.execute(Step(scale, [(DNNL_ARG_SRC, inputGradient), (DNNL_ARG_DST, inputGradient)])))
            }
            return (actions, inputGradient)
        case .redirected(let activation, let batch):
            var actions: [BackwardAction] = []
            var inputGradient = gradient
            if !overwritable {
                inputGradient = try Memory(gradient.descriptor, engine: engine)
                let copy = try Primitive.reorder(from: gradient.descriptor, to: gradient.descriptor, engine: engine,
                                                 purpose: "the gradient of a redirected \(activation)")
                actions.append(.execute(Step(copy, [(DNNL_ARG_FROM, gradient), (DNNL_ARG_TO, inputGradient)])))
            }
            actions.append(.kernel { [inputGradient] in
                activation.redirectedGradient(output: UnsafeBufferPointer(try saved.floats()),
                                              gradient: try inputGradient.floats(), batch: batch)
            })
            return (actions, inputGradient)
        }
    }
}

extension Activation {
    /// oneDNN's eltwise algorithm for the backward, and its alpha and beta: the `use_dst_for_bwd`
    /// variants for those differentiated from their output. A hard sigmoid's is clip_v2's on
    /// (0, 1), its alpha applied after.
    fileprivate var eltwiseBackward: (dnnl_alg_kind_t, Float, Float) {
        switch self {
        case .relu: (dnnl_eltwise_relu_use_dst_for_bwd, 0, 0)
        case .relu6: (dnnl_eltwise_clip_v2_use_dst_for_bwd, 0, 6)
        case .clip(let min, let max): (dnnl_eltwise_clip_v2_use_dst_for_bwd, min, max)
        case .sigmoid: (dnnl_eltwise_logistic_use_dst_for_bwd, 0, 0)
        case .hardSigmoid: (dnnl_eltwise_clip_v2_use_dst_for_bwd, 0, 1)
        case .swish: (dnnl_eltwise_swish, 1, 0)
        case .hardSwish: (dnnl_eltwise_hardswish, 0, 0)
        }
    }
}
