import CDNNL

extension dnnl_memory_desc_t {
    /// A float32 descriptor of `dims` with a format tag (a plain tag, or `dnnl_format_tag_any` to
    /// let a primitive choose).
    init(dims: [Int], tag: dnnl_format_tag_t) throws {
        self.init()
        let dims64 = dims.map(Int64.init)
        try check(dnnl_memory_desc_init_by_tag(&self, Int32(dims.count), dims64, dnnl_f32, tag),
                  "dnnl_memory_desc_init_by_tag", for: "a tensor of shape \(dims)")
    }

    /// The plain row-major (NCHW, OIHW, NC, ...) descriptor of `dims`.
    static func plain(_ dims: [Int]) throws -> dnnl_memory_desc_t {
        try dnnl_memory_desc_t(dims: dims, tag: plainTag(rank: dims.count))
    }

    /// The descriptor a primitive picks for itself.
    static func any(_ dims: [Int]) throws -> dnnl_memory_desc_t {
        try dnnl_memory_desc_t(dims: dims, tag: dnnl_format_tag_any)
    }

    private static func plainTag(rank: Int) throws -> dnnl_format_tag_t {
        switch rank {
        case 1: dnnl_a
        case 2: dnnl_ab
        case 3: dnnl_abc
        case 4: dnnl_abcd
        case 5: dnnl_abcde
        default: throw TensorError("tensors of rank \(rank) are not supported (1 to 5 dimensions)")
        }
    }

    /// The logical dimensions (NCHW order, whatever the layout).
    var shape: [Int] {
        withUnsafeBytes(of: dims) { Array($0.bindMemory(to: Int64.self).prefix(Int(ndims))).map(Int.init) }
    }

    /// Bytes needed to hold the data in this layout, padding included.
    var byteCount: Int { dnnl_memory_desc_get_size([self]) }

    /// Same dimensions and layout.
    func matches(_ other: dnnl_memory_desc_t) -> Bool {
        dnnl_memory_desc_equal([self], [other]) != 0
    }
}
