extension GraphExecutor {
    /// Runs the graph on `input` to `output` and returns its value (plain layout) and its pullback:
    /// the map from dL/d(output) (plain, the output's shape) to dL/d(node) for each of `nodes`
    /// (the graph input, or any layer the output depends on), in the order asked. Gradients are
    /// with respect to activations only, never weights. ReLU6 passes gradients strictly inside
    /// (0, 6), ReLU strictly above 0, as PyTorch does. Max pooling's gradient is
    /// `maxPoolGradient`, by default the executor's.
    public func runWithPullback(_ input: Tensor, to output: NodeID, gradientsAt nodes: [NodeID],
                                maxPoolGradient: MaxPoolGradient? = nil)
        throws -> (output: Tensor, pullback: (Tensor) throws -> [Tensor]) {
        guard output.index >= 0 && output.index < graph.nodes.count else {
            throw TensorError("asked for the gradient of a node that is not in the graph")
        }
        let plan = try backwardPlan(inputShape: input.shape, target: output.index,
                                    maxPoolGradient: maxPoolGradient ?? self.maxPoolGradient)
        let onPath = Set(plan.path)
        for node in nodes where !onPath.contains(node.index) {
            let name = node.index >= 0 && node.index < graph.nodes.count ? "'\(graph.nodes[node.index].name)'" : "\(node.index)"
            throw TensorError("node '\(graph.nodes[output.index].name)' does not depend on node \(name): no gradient there")
        }
        let saved = plan.savedNodes.filter { $0 != output.index }
        let values = try run(input, outputs: [output] + saved.map(NodeID.init))
        var savedValues = Dictionary(uniqueKeysWithValues: zip(saved, values.dropFirst().map(\.values)))
        savedValues[output.index] = values[0].values
        let outputShape = values[0].shape
        let shapes = try graph.shapes(input: input.shape)
        return (values[0], { seed in
            guard seed.shape == outputShape else {
                throw TensorError("the gradient at node '\(self.graph.nodes[output.index].name)' has shape \(seed.shape), "
                    + "expected the node's shape \(outputShape)")
            }
            let gradients = try plan.gradients(seed: seed.values, saved: savedValues, at: Set(nodes.map(\.index)))
            return try nodes.map { try Tensor(shape: shapes[$0.index], values: gradients[$0.index]!) }
        })
    }
}
