extension GraphExecutor {
    /// Runs the graph on `input` to `output` and returns its value (plain layout) and its pullback:
    /// the map from dL/d(output) (plain, the output's shape) to dL/d(node) for each of `nodes`
    /// (the graph input, or any layer the output depends on), in the order asked. Gradients are
    /// with respect to activations only, never weights. ReLU6 passes gradients strictly inside
    /// (0, 6), ReLU strictly above 0, as PyTorch does, unless `activationGradient` (by default
    /// the executor's) is `.redirected`. Max pooling's gradient is `maxPoolGradient`, by default
    /// the executor's. The pullback reads the activations the
    /// executor keeps from this run; if the executor has run the same plan since, it runs the
    /// forward pass again first.
    public func runWithPullback(_ input: Tensor, to output: NodeID, gradientsAt nodes: [NodeID],
                                maxPoolGradient: MaxPoolGradient? = nil, activationGradient: ActivationGradient? = nil)
        throws -> (output: Tensor, pullback: (Tensor) throws -> [Tensor]) {
        guard output.index >= 0 && output.index < graph.nodes.count else {
            throw TensorError("asked for the gradient of a node that is not in the graph")
        }
        let wanted = Set(nodes.map(\.index))
        let ancestors = BackwardPlan.ancestors(graph: graph, of: output.index)
        for node in nodes where !ancestors.contains(node.index) {
            let name = node.index >= 0 && node.index < graph.nodes.count ? "'\(graph.nodes[node.index].name)'" : "\(node.index)"
            throw TensorError("node '\(graph.nodes[output.index].name)' does not depend on node \(name): no gradient there")
        }
        let plan = try backwardPlan(inputShape: input.shape, target: output.index, wanted: wanted,
                                    maxPoolGradient: maxPoolGradient ?? self.maxPoolGradient,
                                    activationGradient: activationGradient ?? self.activationGradient)
        let value = try plan.forward.run(input, outputs: [output])[0]
        var run = plan.forward.runs
        let shapes = try graph.shapes(input: input.shape)
        return (value, { seed in
            guard seed.shape == value.shape else {
                throw TensorError("the gradient at node '\(self.graph.nodes[output.index].name)' has shape \(seed.shape), "
                    + "expected the node's shape \(value.shape)")
            }
            if plan.forward.runs != run {
                _ = try plan.forward.run(input, outputs: [output])
                run = plan.forward.runs
            }
            let gradients = try plan.gradients(seed: seed.values, input: input)
            return try nodes.map { try Tensor(shape: shapes[$0.index], values: gradients[$0.index]!) }
        })
    }
}
