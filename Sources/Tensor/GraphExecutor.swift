/// Runs a `Graph` forward with oneDNN. Primitives are compiled on first use for each input shape
/// (batch size and image size) and kept. Not safe to share between threads: use one executor
/// per thread.
public final class GraphExecutor {
    public let graph: Graph
    /// How pullbacks treat max pooling unless a call says otherwise.
    public var maxPoolGradient: MaxPoolGradient
    private let engine: Engine
    private let stream: Stream
    /// Convolutions fused into the residual add that is their only use.
    private let fusions: [ResidualFusion]
    private var plans: [PlanKey: ExecutionPlan] = [:]
    /// Backward passes, by input shape and the node they start from.
    private var backwardPlans: [BackwardKey: BackwardPlan] = [:]

    /// Set the thread count (`ComputeThreads.set`) before creating executors.
    public init(_ graph: Graph, maxPoolGradient: MaxPoolGradient = .exact) throws {
        self.graph = graph
        self.maxPoolGradient = maxPoolGradient
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
        let unfused = Set(outputs.map(\.index)).intersection(fusions.map(\.convolution))
        let key = PlanKey(inputShape: input.shape, unfused: unfused)
        let plan: ExecutionPlan
        if let compiled = plans[key] {
            plan = compiled
        } else {
            plan = try ExecutionPlan(graph: graph, inputShape: input.shape, fusions: fusions.filter { !unfused.contains($0.convolution) },
                                     engine: engine, stream: stream)
            plans[key] = plan
        }
        return try plan.run(input, outputs: outputs)
    }

    /// The backward pass from `target` for inputs of `inputShape`, compiled on first use.
    func backwardPlan(inputShape: [Int], target: Int, maxPoolGradient: MaxPoolGradient) throws -> BackwardPlan {
        let key = BackwardKey(inputShape: inputShape, target: target, maxPoolGradient: maxPoolGradient)
        if let plan = backwardPlans[key] { return plan }
        let plan = try BackwardPlan(graph: graph, inputShape: inputShape, target: target, maxPoolGradient: maxPoolGradient,
                                    engine: engine, stream: stream)
        backwardPlans[key] = plan
        return plan
    }
}

private struct BackwardKey: Hashable {
    let inputShape: [Int]
    let target: Int
    let maxPoolGradient: MaxPoolGradient
}

/// What a compiled plan is specific to.
private struct PlanKey: Hashable {
    let inputShape: [Int]
    /// Convolutions asked for by name, which therefore are not fused into their residual add.
    let unfused: Set<Int>
}
