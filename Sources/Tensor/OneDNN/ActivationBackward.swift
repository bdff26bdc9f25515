import CDNNL

/// The backward of a ReLU or ReLU6 (a node, or fused into a convolution) from its saved output, in
/// the output's own layout.
enum ActivationBackward {
    /// oneDNN's eltwise backward: the gradient passes where the output is above 0 (and, for
    /// ReLU6, strictly below 6: clip_v2 passes it only strictly inside, as PyTorch's hardtanh does).
    case exact(Primitive)
    /// `Activation.redirectedGradient`, in place, over items of `batch`.
    case redirected(Activation, batch: Int)

    init(_ activation: Activation, _ gradient: ActivationGradient, output: dnnl_memory_desc_t, engine: Engine,
         purpose: String) throws {
        switch gradient {
        case .exact:
            let algorithm = switch activation {
            case .relu: dnnl_eltwise_relu_use_dst_for_bwd
            case .relu6: dnnl_eltwise_clip_v2_use_dst_for_bwd
            }
            let (_, alpha, beta) = activation.eltwise
            var data = output
            var forward = dnnl_eltwise_desc_t(), backward = dnnl_eltwise_desc_t()
            try check(dnnl_eltwise_forward_desc_init(&forward, dnnl_forward_training, algorithm, &data, alpha, beta),
                      "dnnl_eltwise_forward_desc_init", for: purpose)
            try check(dnnl_eltwise_backward_desc_init(&backward, algorithm, &data, &data, alpha, beta),
                      "dnnl_eltwise_backward_desc_init", for: purpose)
            let hint = try Primitive(forward, engine: engine, purpose: purpose)
            self = .exact(try Primitive(backward, hint: hint, engine: engine, purpose: purpose))
        case .redirected:
            // The kernel takes each batch item as one contiguous run of the buffer.
            let batch = output.shape[0]
            guard output.format_kind == dnnl_blocked,
                  Int(output.format_desc.blocking.strides.0) * batch * MemoryLayout<Float>.stride == output.byteCount else {
                throw TensorError("\(purpose): the redirected gradient needs the batch items one after another in memory, "
                    + "which the layout oneDNN chose for shape \(output.shape) does not have")
            }
            self = .redirected(activation, batch: batch)
        }
    }

    /// The layout the gradient must arrive in, for an activation whose output has `output`'s.
    func gradientLayout(output: Memory) throws -> dnnl_memory_desc_t {
        switch self {
        case .exact(let backward): try backward.memoryDescriptor(dnnl_query_diff_dst_md)
        case .redirected: output.descriptor
        }
    }

    /// The steps computing the gradient at the activation's input, and the memory they write it
    /// to: `gradient` itself when `overwritable`.
    func actions(output: Memory, gradient: Memory, overwritable: Bool,
                 engine: Engine) throws -> (actions: [BackwardAction], inputGradient: Memory) {
        switch self {
        case .exact(let backward):
            let inputGradient = overwritable ? gradient : try Memory(backward.memoryDescriptor(dnnl_query_diff_src_md),
                                                                     engine: engine)
            return ([.execute(Step(backward, [(DNNL_ARG_DST, output), (DNNL_ARG_DIFF_DST, gradient),
                                              (DNNL_ARG_DIFF_SRC, inputGradient)]))],
                    inputGradient)
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
                activation.redirectedGradient(output: UnsafeBufferPointer(try output.floats()),
                                              gradient: try inputGradient.floats(), batch: batch)
            })
            return (actions, inputGradient)
        }
    }
}
