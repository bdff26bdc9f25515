/// The reverse pass of a graph from one node back to its input, compiled for one input shape and
/// one treatment of max pooling: each node's `NodeBackward`, run in reverse order on plain
/// gradients, summing the gradients of a node read by several others (a residual's skip input,
/// a node feeding several branches).
final class BackwardPlan {
    let target: Int
    /// The nodes the target depends on, itself included, in graph order.
    let path: [Int]
    /// The nodes whose forward outputs the backward reads (as a node's output, or as the input of
    /// a node after it), in graph order.
    let savedNodes: [Int]
    private let graph: Graph
    private let shapes: [[Int]]
    private let backwards: [Int: NodeBackward]

    init(graph: Graph, inputShape: [Int], target: Int, maxPoolGradient: MaxPoolGradient, engine: Engine,
         stream: Stream) throws {
        let shapes = try graph.shapes(input: inputShape)
        var needed = Set([target])
        for index in stride(from: target, through: 0, by: -1) where needed.contains(index) {
            needed.formUnion(graph.nodes[index].inputs.map(\.index))
        }
        path = needed.sorted()
        var backwards: [Int: NodeBackward] = [:]
        for index in path {
            let node = graph.nodes[index]
            backwards[index] = try NodeBackward(node, inputShapes: node.inputs.map { shapes[$0.index] }, shape: shapes[index],
                                                maxPoolGradient: maxPoolGradient, engine: engine, stream: stream)
        }
        let readOutputs = path.filter { backwards[$0]!.readsOutput }
        let readInputs = path.filter { backwards[$0]!.readsInput }.compactMap { graph.nodes[$0].inputs.first?.index }
        savedNodes = Set(readOutputs + readInputs).sorted()
        (self.graph, self.shapes, self.target, self.backwards) = (graph, shapes, target, backwards)
    }

    /// The gradients at `wanted` (nodes on the path) of the scalar whose gradient at the target is
    /// `seed`, given the forward outputs of `savedNodes`. All in plain layout.
    func gradients(seed: [Float], saved: [Int: [Float]], at wanted: Set<Int>) throws -> [Int: [Float]] {
        guard let earliest = wanted.min() else { return [:] }
        var gradients: [Int: [Float]] = [target: seed]
        for index in path.reversed() where index > earliest {
            guard let gradient = gradients[index] else { continue }
            let node = graph.nodes[index]
            let inputGradients = try backwards[index]!.inputGradients(gradient, output: saved[index],
                                                                      input: node.inputs.first.flatMap { saved[$0.index] })
            if !wanted.contains(index) { gradients[index] = nil }
            for (input, contribution) in zip(node.inputs, inputGradients) {
                gradients[input.index] = gradients[input.index].map { accumulate($0, contribution) } ?? contribution
            }
        }
        return gradients.filter { wanted.contains($0.key) }
    }
}

/// The elementwise sum of two gradients of the same node.
private func accumulate(_ a: [Float], _ b: [Float]) -> [Float] {
    var sum = a
    sum.withUnsafeMutableBufferPointer { sum in
        b.withUnsafeBufferPointer { b in
            for i in sum.indices { sum[i] += b[i] }
        }
    }
    return sum
}
