import CDNNL

/// A oneDNN primitive and the descriptor it was created from (kept for its memory queries).
final class Primitive {
    let handle: dnnl_primitive_t
    private let descriptor: dnnl_primitive_desc_t
    /// What the primitive computes, for error messages.
    let purpose: String

    /// Creates the primitive for an operation descriptor (`dnnl_convolution_desc_t`, ...). A
    /// backward primitive takes the forward primitive it differentiates as `hint`.
    convenience init<OperationDescriptor>(_ operation: OperationDescriptor, attributes: PrimitiveAttributes? = nil,
                                          hint: Primitive? = nil, engine: Engine, purpose: String) throws {
        var descriptor: dnnl_primitive_desc_t?
        let status = withUnsafePointer(to: operation) {
            dnnl_primitive_desc_create(&descriptor, UnsafeRawPointer($0), attributes?.handle, engine.handle, hint?.descriptor)
        }
        try check(status, "dnnl_primitive_desc_create", for: purpose)
        try self.init(descriptor: descriptor!, purpose: purpose)
    }

    /// A reorder (layout conversion) from one descriptor to another; with `accumulate`, it adds
    /// onto what the destination holds instead of overwriting it.
    static func reorder(from source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t, accumulate: Bool = false,
                        engine: Engine, purpose: String) throws -> Primitive {
        let attributes = accumulate ? try PrimitiveAttributes([.accumulate]) : nil
        var descriptor: dnnl_primitive_desc_t?
        try check(dnnl_reorder_primitive_desc_create(&descriptor, [source], engine.handle, [destination], engine.handle,
                                                     attributes?.handle),
                  "dnnl_reorder_primitive_desc_create", for: purpose)
        return try Primitive(descriptor: descriptor!, purpose: purpose)
    }

    /// The elementwise sum of two tensors of the same shape, into `destination`'s layout.
    static func sum(_ first: dnnl_memory_desc_t, _ second: dnnl_memory_desc_t, into destination: dnnl_memory_desc_t,
                    engine: Engine, purpose: String) throws -> Primitive {
        var (first, second, destination) = (first, second, destination)
        var descriptor = dnnl_binary_desc_t()
        try check(dnnl_binary_desc_init(&descriptor, dnnl_binary_add, &first, &second, &destination),
                  "dnnl_binary_desc_init", for: purpose)
        return try Primitive(descriptor, engine: engine, purpose: purpose)
    }

    /// The elementwise product of two tensors, the second of the first's shape or broadcast along
    /// dimensions of size 1, into the first's layout.
    static func product(_ first: dnnl_memory_desc_t, _ second: dnnl_memory_desc_t, engine: Engine,
                        purpose: String) throws -> Primitive {
        var (first, second) = (first, second)
        var destination = try dnnl_memory_desc_t.any(first.shape)
        var descriptor = dnnl_binary_desc_t()
        try check(dnnl_binary_desc_init(&descriptor, dnnl_binary_mul, &first, &second, &destination),
                  "dnnl_binary_desc_init", for: purpose)
        return try Primitive(descriptor, engine: engine, purpose: purpose)
    }

    /// The concatenation of `sources` (any layouts) along `dimension`, into a layout oneDNN
    /// derives from them.
    static func concatenation(_ sources: [dnnl_memory_desc_t], dimension: Int, engine: Engine,
                              purpose: String) throws -> Primitive {
        var descriptor: dnnl_primitive_desc_t?
        try check(dnnl_concat_primitive_desc_create(&descriptor, nil, Int32(sources.count), Int32(dimension), sources, nil,
                                                    engine.handle),
                  "dnnl_concat_primitive_desc_create", for: purpose)
        return try Primitive(descriptor: descriptor!, purpose: purpose)
    }

    /// Takes ownership of `descriptor`.
    private init(descriptor: dnnl_primitive_desc_t, purpose: String) throws {
        var handle: dnnl_primitive_t?
        let status = dnnl_primitive_create(&handle, descriptor)
        guard status == dnnl_success, let handle else {
            dnnl_primitive_desc_destroy(descriptor)
            try check(status, "dnnl_primitive_create", for: purpose)
            throw TensorError("oneDNN dnnl_primitive_create returned no primitive for \(purpose)")
        }
        self.handle = handle
        self.descriptor = descriptor
        self.purpose = purpose
    }

    deinit {
        dnnl_primitive_destroy(handle)
        dnnl_primitive_desc_destroy(descriptor)
    }

    /// The layout the primitive chose for one of its arguments (`dnnl_query_src_md`, ...).
    func memoryDescriptor(_ query: dnnl_query_t) throws -> dnnl_memory_desc_t {
        guard let descriptor = dnnl_primitive_desc_query_md(descriptor, query, 0) else {
            throw TensorError("oneDNN has no memory descriptor \(query.rawValue) for \(purpose)")
        }
        return descriptor.pointee
    }

    /// oneDNN's name for the implementation it chose ("jit:avx512_core", "ref:any", ...).
    var implementation: String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name) == dnnl_success, let name else {
            return "unknown"
        }
        return String(cString: name)
    }

    /// The layout of the workspace the primitive reads or writes, nil when it needs none.
    var workspace: dnnl_memory_desc_t? {
        guard let layout = dnnl_primitive_desc_query_md(descriptor, dnnl_query_workspace_md, 0)?.pointee,
              layout.ndims > 0 else { return nil }
        return layout
    }

    func execute(_ arguments: [dnnl_exec_arg_t], on stream: Stream) throws {
        try check(dnnl_primitive_execute(handle, stream.handle, Int32(arguments.count), arguments),
                  "dnnl_primitive_execute", for: purpose)
    }
}

/// Primitive attributes: the operations fused after a primitive's main computation.
final class PrimitiveAttributes {
    /// An operation fused onto a primitive's output, in order.
    enum PostOperation {
        case activation(Activation)
        /// Adds what the output memory held before the primitive ran (oneDNN's sum post-op).
        case accumulate
    }

    let handle: dnnl_primitive_attr_t

    init(_ postOperations: [PostOperation]) throws {
        var handle: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_create(&handle), "dnnl_primitive_attr_create", for: "fused operations")
        self.handle = handle!
        var postOps: dnnl_post_ops_t?
        try check(dnnl_post_ops_create(&postOps), "dnnl_post_ops_create", for: "fused operations")
        defer { dnnl_post_ops_destroy(postOps) }
        for operation in postOperations {
            switch operation {
            case .activation(let activation):
                for (algorithm, alpha, beta) in activation.eltwise {
                    try check(dnnl_post_ops_append_eltwise(postOps, 1, algorithm, alpha, beta),
                              "dnnl_post_ops_append_eltwise", for: "a fused \(activation)")
                }
            case .accumulate:
                try check(dnnl_post_ops_append_sum(postOps, 1), "dnnl_post_ops_append_sum", for: "a fused residual add")
            }
        }
        try check(dnnl_primitive_attr_set_post_ops(handle, postOps), "dnnl_primitive_attr_set_post_ops",
                  for: "fused operations")
    }

    deinit { dnnl_primitive_attr_destroy(handle) }
}

extension Activation {
    /// oneDNN's eltwise operations that compute the activation, in order: each an algorithm and
    /// its alpha and beta.
    var eltwise: [(dnnl_alg_kind_t, Float, Float)] {
        switch self {
        case .relu: [(dnnl_eltwise_relu, 0, 0)]
        // clip_v2 passes gradients only strictly inside (0, 6), as PyTorch's hardtanh does.
        case .relu6: [(dnnl_eltwise_clip_v2, 0, 6)]
        case .sigmoid: [(dnnl_eltwise_logistic, 0, 0)]
        case .swish: [(dnnl_eltwise_swish, 1, 0)]
        case .hardSwish: [(dnnl_eltwise_hardswish, 0, 0)]
        // oneDNN 2.6 has no hard sigmoid: alpha * x + beta, then clipped to [0, 1].
        case .hardSigmoid(let alpha, let beta): [(dnnl_eltwise_linear, alpha, beta), (dnnl_eltwise_clip_v2, 0, 1)]
        case .clip(let min, let max): [(dnnl_eltwise_clip_v2, min, max)]
        }
    }
}

extension LocalResponseNormalization {
    /// oneDNN's across-channels LRN descriptor (inference) for `data`; oneDNN divides alpha by
    /// the window size, as PyTorch does.
    func forwardDescriptor(data: inout dnnl_memory_desc_t, purpose: String) throws -> dnnl_lrn_desc_t {
        var descriptor = dnnl_lrn_desc_t()
        try check(dnnl_lrn_forward_desc_init(&descriptor, dnnl_forward_inference, dnnl_lrn_across_channels, &data, Int64(size),
                                             alpha, beta, k),
                  "dnnl_lrn_forward_desc_init", for: purpose)
        return descriptor
    }
}
