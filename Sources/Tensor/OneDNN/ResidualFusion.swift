/// A convolution whose only use is a residual `add`, computed as one oneDNN convolution that
/// accumulates onto the add's other (skip) input: a sum post-op onto the skip's memory, or onto
/// a copy of it.
struct ResidualFusion {
    let add: Int
    let convolution: Int
    let skip: Int
    /// Nothing after the add reads the skip input, it is not the caller's input tensor, and the
    /// convolution does not read it itself: the convolution may accumulate onto the skip's memory
    /// itself instead of a copy.
    let inPlace: Bool

    /// The same fusion, accumulating onto a copy of the skip input when `nodes` holds it (the
    /// backward pass reads those nodes' outputs after the forward run).
    func preserving(_ nodes: Set<Int>) -> ResidualFusion {
        ResidualFusion(add: add, convolution: convolution, skip: skip, inPlace: inPlace && !nodes.contains(skip))
    }

    /// Every such add in the graph.
    static func all(in graph: Graph) -> [ResidualFusion] {
        var uses = [Int](repeating: 0, count: graph.nodes.count), lastUse = [Int](repeating: -1, count: graph.nodes.count)
        for (index, node) in graph.nodes.enumerated() {
            for input in node.inputs {
                uses[input.index] += 1
                lastUse[input.index] = index
            }
        }
        return graph.nodes.indices.compactMap { index in
            let node = graph.nodes[index]
            guard case .add = node.operation, node.inputs[0] != node.inputs[1],
                  let convolution = node.inputs.first(where: { input in
                      guard case .convolution = graph.nodes[input.index].operation else { return false }
                      return uses[input.index] == 1
                  }) else { return nil }
            let skip = node.inputs[0] == convolution ? node.inputs[1] : node.inputs[0]
            return ResidualFusion(add: index, convolution: convolution.index, skip: skip.index,
                                  inPlace: skip != graph.input && lastUse[skip.index] == index
                                      && graph.nodes[convolution.index].inputs[0] != skip)
        }
    }
}
