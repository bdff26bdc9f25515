import CDNNL

/// One primitive execution and the memories it reads and writes (kept alive with it).
struct Step {
    let primitive: Primitive
    let arguments: [dnnl_exec_arg_t]
    let memories: [Memory]

    init(_ primitive: Primitive, _ arguments: [(Int32, Memory)]) {
        self.primitive = primitive
        self.arguments = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        self.memories = arguments.map(\.1)
    }

    func run(on stream: Stream) throws {
        try primitive.execute(arguments, on: stream)
    }
}
