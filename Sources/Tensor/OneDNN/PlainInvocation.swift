import CDNNL

/// One primitive run on plain (row-major) Swift arrays: each array argument is bound directly
/// when the primitive chose the plain layout for it, otherwise reordered into the layout it chose
/// (and the result reordered back). Used by the backward pass, which keeps gradients plain
/// between nodes. The memories and reorders are made once, at compile time.
final class PlainInvocation {
    /// An array argument: the primitive's argument number, the query for the layout it chose
    /// (`dnnl_query_diff_dst_md`, ...) and the plain shape.
    struct Argument {
        let number: Int32
        let query: dnnl_query_t
        let shape: [Int]
    }

    private let primitive: Primitive
    private let stream: Stream
    /// Per array input: the caller-bound plain memory, and the reorder into the primitive's layout.
    private let inputs: [(plain: Memory, reorder: (Primitive, Memory)?)]
    private let output: (plain: Memory, reorder: (Primitive, Memory)?)
    private let outputCount: Int
    private let arguments: [dnnl_exec_arg_t]
    /// Memories the arguments point to, kept alive with them.
    private let constants: [Memory]

    /// `constants` are bound as they are (weights already in the primitive's layout).
    init(_ primitive: Primitive, inputs: [Argument], constants: [(Int32, Memory)], output: Argument,
         engine: Engine, stream: Stream) throws {
        self.primitive = primitive
        self.stream = stream
        func side(_ argument: Argument, intoPrimitive: Bool) throws -> (Memory, (Primitive, Memory)?) {
            let plain = try Memory.unbound(.plain(argument.shape), engine: engine)
            let layout = try primitive.memoryDescriptor(argument.query)
            guard !layout.matches(plain.descriptor) else { return (plain, nil) }
            let inLayout = try Memory(layout, engine: engine)
            let reorder = intoPrimitive
                ? try Primitive.reorder(from: plain.descriptor, to: layout, engine: engine, purpose: "an argument of \(primitive.purpose)")
                : try Primitive.reorder(from: layout, to: plain.descriptor, engine: engine, purpose: "the result of \(primitive.purpose)")
            return (plain, (reorder, inLayout))
        }
        self.inputs = try inputs.map { try side($0, intoPrimitive: true) }
        self.output = try side(output, intoPrimitive: false)
        outputCount = output.shape.reduce(1, *)
        let bound = zip(inputs, self.inputs).map { ($0.number, $1.reorder?.1 ?? $1.plain) }
            + constants + [(output.number, self.output.reorder?.1 ?? self.output.plain)]
        arguments = bound.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        self.constants = bound.map(\.1)
    }

    /// Runs the primitive on `values` (one array per input, in plain layout) and returns its
    /// output in plain layout.
    func run(_ values: [[Float]]) throws -> [Float] {
        precondition(values.count == inputs.count, "\(primitive.purpose): \(values.count) arrays for \(inputs.count) inputs")
        var result = [Float](repeating: 0, count: outputCount)
        try withPointers(values) { pointers in
            for ((plain, reorder), pointer) in zip(inputs, pointers) {
                try plain.bind(UnsafeMutableRawPointer(mutating: pointer))
                if let (primitive, inLayout) = reorder {
                    try primitive.execute([dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: plain.handle),
                                           dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: inLayout.handle)], on: stream)
                }
            }
            try result.withUnsafeMutableBufferPointer { buffer in
                try output.plain.bind(UnsafeMutableRawPointer(buffer.baseAddress!))
                try primitive.execute(arguments, on: stream)
                if let (reorder, inLayout) = output.reorder {
                    try reorder.execute([dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: inLayout.handle),
                                         dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: output.plain.handle)], on: stream)
                }
                try stream.wait()
            }
        }
        return result
    }
}

/// Calls `body` with a base address for each array, all valid for the duration of the call.
private func withPointers<R>(_ arrays: [[Float]], _ pointers: [UnsafePointer<Float>] = [],
                             _ body: ([UnsafePointer<Float>]) throws -> R) throws -> R {
    guard let first = arrays.first else { return try body(pointers) }
    return try first.withUnsafeBufferPointer { buffer in
        try withPointers(Array(arrays.dropFirst()), pointers + [buffer.baseAddress!], body)
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
