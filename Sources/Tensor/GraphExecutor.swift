/// Runs a `Graph` forward with oneDNN. Primitives are compiled on first use for each input shape
/// (batch size and image size) and kept. Not safe to share between threads: use one executor
/// per thread.
public final class GraphExecutor {
    public let graph: Graph
    /// How pullbacks treat max pooling unless a call says otherwise.
    public var maxPoolGradient: MaxPoolGradient
    /// How pullbacks treat ReLU and ReLU6 unless a call says otherwise.
    public var activationGradient: ActivationGradient
    private let engine: Engine
    private let stream: Stream
    /// Convolutions fused into the residual add that is their only use.
    private let fusions: [ResidualFusion]
    private var plans: [PlanKey: ExecutionPlan] = [:]
    /// Backward passes, by input shape, the node they start from and the nodes they end at.
    private var backwardPlans: [BackwardKey: BackwardPlan] = [:]

    /// Set the thread count (`ComputeThreads.set`) before creating executors.
    public init(_ graph: Graph, maxPoolGradient: MaxPoolGradient = .exact, activationGradient: ActivationGradient = .exact) throws {
        self.graph = graph
        self.maxPoolGradient = maxPoolGradient
        self.activationGradient = activationGradient
        engine = try Engine.cpu()
        stream = try Stream(engine: engine)
        fusions = ResidualFusion.all(in: graph)
    }

    /// Runs the graph on an NCHW `input` as far as the requested nodes need, and returns their
    /// outputs in plain layout (NCHW, or [N, features]), in the order asked.
    public func run(_ input: Tensor, outputs: [NodeID]) throws -> [Tensor] {
        guard outputs.allSatisfy({ $0.index >= 0 && $0.index < graph.nodes.count }) else {
            throw TensorError("asked for a node that is not in the graph")
        }
        return try plan(inputShape: input.shape, outputs: Set(outputs.map(\.index)), preserved: [])
            .run(input, outputs: outputs)
    }

    /// The forward plan for `inputShape` that can give the nodes in `outputs` and keeps the values
    /// of `preserved` (and unfused, when convolutions) until its next run; compiled on first use.
    private func plan(inputShape: [Int], outputs: Set<Int>, preserved: Set<Int>) throws -> ExecutionPlan {
        let unfused = outputs.union(preserved).intersection(fusions.map(\.convolution))
        let key = PlanKey(inputShape: inputShape, unfused: unfused, preserved: preserved)
        if let plan = plans[key] { return plan }
        let plan = try ExecutionPlan(graph: graph, inputShape: inputShape,
                                     fusions: fusions.filter { !unfused.contains($0.convolution) }.map { $0.preserving(preserved) },
                                     engine: engine, stream: stream)
        plans[key] = plan
        return plan
    }

    /// The backward pass from `target` to `wanted` for inputs of `inputShape` (with its forward
    /// plan), compiled on first use.
    func backwardPlan(inputShape: [Int], target: Int, wanted: Set<Int>, maxPoolGradient: MaxPoolGradient,
                      activationGradient: ActivationGradient) throws -> BackwardPlan {
        let key = BackwardKey(inputShape: inputShape, target: target, wanted: wanted, maxPoolGradient: maxPoolGradient,
                              activationGradient: activationGradient)
        if let plan = backwardPlans[key] { return plan }
        let saved = BackwardPlan.savedNodes(graph: graph, target: target, wanted: wanted, maxPoolGradient: maxPoolGradient)
        let forward = try plan(inputShape: inputShape, outputs: [target], preserved: saved)
        let plan = try BackwardPlan(graph: graph, forward: forward, target: target, wanted: wanted,
                                    maxPoolGradient: maxPoolGradient, activationGradient: activationGradient,
                                    engine: engine, stream: stream)
        backwardPlans[key] = plan
        return plan
    }
}

private struct BackwardKey: Hashable {
    let inputShape: [Int]
    let target: Int
    let wanted: Set<Int>
    let maxPoolGradient: MaxPoolGradient
    let activationGradient: ActivationGradient
}

/// What a compiled plan is specific to.
private struct PlanKey: Hashable {
    let inputShape: [Int]
    /// Convolutions asked for by name, which therefore are not fused into their residual add.
    let unfused: Set<Int>
    /// Nodes whose values the backward pass reads after the run.
    let preserved: Set<Int>
}
