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

    /// Copies plain values into a memory whose layout is plain.
    func fill(with values: [Float]) throws {
        var buffer: UnsafeMutableRawPointer?
        try check(dnnl_memory_get_data_handle(handle, &buffer), "dnnl_memory_get_data_handle",
                  for: "a buffer of shape \(descriptor.shape)")
        guard let buffer, values.count * MemoryLayout<Float>.stride == descriptor.byteCount else {
            throw TensorError("cannot copy \(values.count) values into a buffer of shape \(descriptor.shape)")
        }
        values.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress { buffer.copyMemory(from: source, byteCount: bytes.count) }
        }
    }
}
