import CDNNL

/// A oneDNN memory object: a descriptor and a buffer, either oneDNN's own (activations, weights
/// in a primitive's layout) or a caller's, bound before each use (tensors at the graph's edges).
final class Memory {
    let handle: dnnl_memory_t
    let descriptor: dnnl_memory_desc_t

    /// Memory with a buffer that oneDNN allocates and frees.
    convenience init(_ descriptor: dnnl_memory_desc_t, engine: Engine) throws {
        // DNNL_MEMORY_ALLOCATE, a C macro Swift does not import.
        try self.init(descriptor, engine: engine, buffer: UnsafeMutableRawPointer(bitPattern: -1))
    }

    /// Memory without a buffer: `bind` one before use.
    static func unbound(_ descriptor: dnnl_memory_desc_t, engine: Engine) throws -> Memory {
        try Memory(descriptor, engine: engine, buffer: nil)
    }

    private init(_ descriptor: dnnl_memory_desc_t, engine: Engine, buffer: UnsafeMutableRawPointer?) throws {
        var handle: dnnl_memory_t?
        var descriptor = descriptor
        try check(dnnl_memory_create(&handle, &descriptor, engine.handle, buffer), "dnnl_memory_create",
                  for: "a buffer of shape \(descriptor.shape)")
        self.handle = handle!
        self.descriptor = descriptor
    }

    deinit { dnnl_memory_destroy(handle) }

    /// Points the memory at a caller's buffer, which must hold `descriptor.byteCount` bytes and
    /// outlive every use until the next bind.
    func bind(_ buffer: UnsafeMutableRawPointer) throws {
        try check(dnnl_memory_set_data_handle(handle, buffer), "dnnl_memory_set_data_handle",
                  for: "a buffer of shape \(descriptor.shape)")
    }

    /// The buffer the memory points at now.
    func dataHandle() throws -> UnsafeMutableRawPointer {
        var buffer: UnsafeMutableRawPointer?
        try check(dnnl_memory_get_data_handle(handle, &buffer), "dnnl_memory_get_data_handle",
                  for: "a buffer of shape \(descriptor.shape)")
        guard let buffer else { throw TensorError("a buffer of shape \(descriptor.shape) is not bound") }
        return buffer
    }

    /// The memory's values, which must be in plain layout, as floats.
    func floats() throws -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: try dataHandle().assumingMemoryBound(to: Float.self),
                                   count: descriptor.byteCount / MemoryLayout<Float>.stride)
    }

    /// Copies plain values into a memory whose layout is plain.
    func fill(with values: [Float]) throws {
        let buffer = try dataHandle()
        guard values.count * MemoryLayout<Float>.stride == descriptor.byteCount else {
            throw TensorError("cannot copy \(values.count) values into a buffer of shape \(descriptor.shape)")
        }
        values.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress { buffer.copyMemory(from: source, byteCount: bytes.count) }
        }
    }
}

extension Memory {
    /// A memory in `layout` (plain when nil) holding plain `values` of `shape`, reordered now:
    /// weights and biases, which stay constant.
    static func constant(_ values: [Float], shape: [Int], layout: dnnl_memory_desc_t?, engine: Engine,
                         stream: Stream, purpose: String) throws -> Memory {
        let plain = try Memory(.plain(shape), engine: engine)
        try plain.fill(with: values)
        guard let layout, !layout.matches(plain.descriptor) else { return plain }
        let reordered = try Memory(layout, engine: engine)
        try Primitive.reorder(from: plain.descriptor, to: layout, engine: engine, purpose: "the weights of \(purpose)")
            .execute([dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: plain.handle),
                      dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: reordered.handle)], on: stream)
        try stream.wait()
        return reordered
    }
}

extension Array where Element == Float {
    /// A new array of `count` values that `reorder` writes in full from `memory` into
    /// `destination` (plain, unbound, bound here to the array's storage): no zero-filling first.
    init(reordering memory: Memory, with reorder: Primitive, into destination: Memory, count: Int, on stream: Stream) throws {
        try self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            try destination.bind(UnsafeMutableRawPointer(buffer.baseAddress!))
            try Step(reorder, [(DNNL_ARG_FROM, memory), (DNNL_ARG_TO, destination)]).run(on: stream)
            try stream.wait()
            initialized = count
        }
    }
}
