import CDNNL

/// The reverse pass of a graph from one node back to the nodes whose gradients are asked for,
/// compiled for one input shape and one treatment of max pooling and activations, as a list of steps over memories
/// the plan keeps (no allocation per run). Gradients stay in the layouts the primitives choose
/// (channels-last for the fast convolutions) from node to node, and each node's backward reads the
/// activations it needs straight from the forward plan's memories, in their own layouts: layouts
/// change only where two primitives disagree, and plain layout appears only at the edges (the
/// seed, the gradients asked for). A node read by several others (a residual's skip input, a node
/// feeding several branches) sums their contributions.
final class BackwardPlan {
    let target: Int
    /// The forward plan whose memories the backward reads: run it on the input before `gradients`.
    let forward: ExecutionPlan
    private let stream: Stream
    private var actions: [BackwardAction] = []
    /// The seed, plain, bound to the caller's array for each run.
    private let seed: Memory
    /// Per node asked for: its gradient, the reorder to plain layout and its (caller-bound) destination.
    private var exports: [(node: Int, gradient: Memory, reorder: Primitive, destination: Memory, count: Int)] = []

    /// The nodes whose forward outputs the backward from `target` to `wanted` reads (as a node's
    /// output, or as the input of a node after it): the forward plan must keep them
    /// (`ResidualFusion.preserving`, no fusion of these convolutions).
    static func savedNodes(graph: Graph, target: Int, wanted: Set<Int>, maxPoolGradient: MaxPoolGradient) -> Set<Int> {
        var saved: Set<Int> = []
        for index in relevantNodes(graph: graph, target: target, wanted: wanted) {
            let node = graph.nodes[index]
            let reads = NodeBackward.reads(node, maxPoolGradient: maxPoolGradient)
            if reads.output { saved.insert(index) }
            if reads.inputs { saved.formUnion(node.inputs.map(\.index)) }
        }
        return saved
    }

    /// The nodes a gradient flows through from `target` to `wanted`: those the target depends on
    /// that depend on a node in `wanted` (both included), in graph order.
    static func relevantNodes(graph: Graph, target: Int, wanted: Set<Int>) -> [Int] {
        var descendants = wanted
        for index in 0...target where graph.nodes[index].inputs.contains(where: { descendants.contains($0.index) }) {
            descendants.insert(index)
        }
        return ancestors(graph: graph, of: target).intersection(descendants).sorted()
    }

    /// The nodes `target` depends on, itself included.
    static func ancestors(graph: Graph, of target: Int) -> Set<Int> {
        var ancestors = Set([target])
        for index in stride(from: target, through: 0, by: -1) where ancestors.contains(index) {
            ancestors.formUnion(graph.nodes[index].inputs.map(\.index))
        }
        return ancestors
    }

    /// Compiles the backward from `target` to the nodes in `wanted` (which the target depends
    /// on), reading activations from `forward`, a plan that keeps `savedNodes`.
    init(graph: Graph, forward: ExecutionPlan, target: Int, wanted: Set<Int>, maxPoolGradient: MaxPoolGradient,
         activationGradient: ActivationGradient, engine: Engine, stream: Stream) throws {
        (self.target, self.forward, self.stream) = (target, forward, stream)
        let shapes = try graph.shapes(input: forward.inputShape)
        let relevant = Self.relevantNodes(graph: graph, target: target, wanted: wanted)
        let isRelevant = Set(relevant)
        seed = try Memory.unbound(.plain(shapes[target]), engine: engine)
        var contributions: [Int: [Memory]] = [target: [seed]]
        // How many nodes each gradient memory is handed to (a residual add hands its own to both inputs).
        var handedTo: [ObjectIdentifier: Int] = [ObjectIdentifier(seed): 1]
        for index in relevant.reversed() {
            let node = graph.nodes[index]
            let backward = try NodeBackward(node, inputShapes: node.inputs.map { shapes[$0.index] }, shape: shapes[index],
                                            output: forward.output(of: index),
                                            inputs: node.inputs.map { forward.output(of: $0.index) },
                                            maxPoolGradient: maxPoolGradient, activationGradient: activationGradient,
                                            engine: engine, stream: stream)
            let parts = contributions.removeValue(forKey: index) ?? []
            let gradient = try gather(parts, layout: backward.gradientLayout(), engine: engine,
                                      purpose: "the gradient of node '\(node.name)'")
            // Only this node's backward reads a gradient gathered here or handed to it alone, unless
            // it is exported (read at the end: a residual add may hand its own to one input only).
            let overwritable = !exports.contains { $0.gradient === gradient } && !wanted.contains(index)
                && (parts.count > 1 || parts.first !== gradient || handedTo[ObjectIdentifier(gradient)] == 1)
            if wanted.contains(index) {
                let plain = try dnnl_memory_desc_t.plain(shapes[index])
                exports.append((index, gradient,
                                try Primitive.reorder(from: gradient.descriptor, to: plain, engine: engine,
                                                      purpose: "the gradient of node '\(node.name)'"),
                                try Memory.unbound(plain, engine: engine), shapes[index].reduce(1, *)))
            }
            let inputsWanted = node.inputs.map { isRelevant.contains($0.index) }
            guard inputsWanted.contains(true) else { continue }
            let (steps, inputGradients) = try backward.actions(gradient: gradient, overwritable: overwritable,
                                                               wanted: inputsWanted, engine: engine, stream: stream)
            actions += steps
            for (input, inputGradient) in zip(node.inputs, inputGradients) {
                if let inputGradient {
                    contributions[input.index, default: []].append(inputGradient)
                    handedTo[ObjectIdentifier(inputGradient), default: 0] += 1
                }
            }
        }
    }

    /// The gradients at the nodes asked for (plain layout) of the scalar whose gradient at the
    /// target is `seed` (plain), for the forward values `forward` holds from its last run on `input`.
    func gradients(seed values: [Float], input: Tensor) throws -> [Int: [Float]] {
        try values.withUnsafeBufferPointer { buffer in
            try seed.bind(UnsafeMutableRawPointer(mutating: buffer.baseAddress!))
            try forward.withInput(input) {
                for action in actions {
                    switch action {
                    case .execute(let step):
                        try step.run(on: stream)
                    case .kernel(let kernel):
                        try stream.wait()
                        try kernel()
                    }
                }
                try stream.wait()
            }
        }
        var gradients: [Int: [Float]] = [:]
        for (node, gradient, reorder, destination, count) in exports {
            gradients[node] = try [Float](reordering: gradient, with: reorder, into: destination, count: count, on: stream)
        }
        return gradients
    }

    /// The memory holding the sum of `contributions` in `layout` (any, when nil): the single
    /// contribution itself where it already has that layout, otherwise a new memory the plan
    /// fills with reorders and sums.
    private func gather(_ contributions: [Memory], layout: dnnl_memory_desc_t?, engine: Engine,
                        purpose: String) throws -> Memory {
        guard let first = contributions.first else { throw TensorError("\(purpose) has no contribution to sum") }
        // Gradients passed on as they come (a residual add's) go channels-last when they start at
        // the plain seed: the convolutions before them want that.
        let layout = try layout ?? (first === seed && first.descriptor.ndims == 4
            ? dnnl_memory_desc_t(dims: first.descriptor.shape, tag: dnnl_acdb) : first.descriptor)
        // The seed is rebound for every run: a memory that later steps may view keeps a fixed buffer.
        if contributions.count == 1 && first.descriptor.matches(layout) && first !== seed { return first }
        let sum = try Memory(layout, engine: engine)
        var rest = contributions[...]
        if contributions.count >= 2 && contributions[0].descriptor.matches(layout) && contributions[1].descriptor.matches(layout) {
            let add = try Primitive.sum(layout, layout, into: layout, engine: engine, purpose: purpose)
            actions.append(.execute(Step(add, [(DNNL_ARG_SRC_0, contributions[0]), (DNNL_ARG_SRC_1, contributions[1]),
                                               (DNNL_ARG_DST, sum)])))
            rest = contributions.dropFirst(2)
        } else {
            let copy = try Primitive.reorder(from: first.descriptor, to: layout, engine: engine, purpose: purpose)
            actions.append(.execute(Step(copy, [(DNNL_ARG_FROM, first), (DNNL_ARG_TO, sum)])))
            rest = contributions.dropFirst()
        }
        for contribution in rest {
            let accumulate = try Primitive.reorder(from: contribution.descriptor, to: layout, accumulate: true, engine: engine,
                                                   purpose: purpose)
            actions.append(.execute(Step(accumulate, [(DNNL_ARG_FROM, contribution), (DNNL_ARG_TO, sum)])))
        }
        return sum
    }
}
