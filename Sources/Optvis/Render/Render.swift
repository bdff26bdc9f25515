import Tensor

/// One optimisation step's report.
public struct RenderProgress: Sendable {
    public let attempt: Int
    /// 0-based.
    public let step: Int
    /// The objective of each batch item at this step, before its update.
    public let objective: [Float]

    public init(attempt: Int, step: Int, objective: [Float]) {
        (self.attempt, self.step, self.objective) = (attempt, step, objective)
    }
}

/// The images a render made and how well they do.
public struct RenderResult: Sendable {
    /// [N, C, H, W] in [0, 1]: for each item, the image of its best attempt.
    public let images: Tensor
    /// Each item's objective at the last step of its best attempt.
    public let objective: [Float]
    /// Which attempt each item's image comes from.
    public let bestAttempt: [Int]
}

/// Feature visualization: maximises `objective` over the images of `parameterization` with Adam,
/// applying `transforms` afresh at every step (lucid's `render_vis`, with the atlas recipe's
/// attempts). Each attempt starts from its own random parameters; for each batch item the image of
/// the attempt with the best final objective is kept (lucid compares the objective of the last
/// step, before its update). Everything random comes from `seed`, so a render is reproducible.
///
/// Layer terms of the objective read the transformed images through `model` (one call per layer
/// named); image terms read the parameterized images before the transforms.
public func render(
    objective: Objective,
    parameterization: some ImageParameterization,
    transforms: some ImageTransform,
    steps: Int,
    model: some DifferentiableLayerModel,
    seed: UInt64,
    attempts: Int = 1,
    learningRate: Float = 0.05,
    progress: ((RenderProgress) -> Void)? = nil
) throws -> RenderResult {
    guard steps > 0, attempts > 0 else {
        throw OptvisError("render needs at least one step and one attempt, got \(steps) steps and \(attempts) attempts")
    }
    let batch = parameterization.imageShape[0]
    var best: RenderResult?
    for attempt in 0..<attempts {
        var generator = SeededGenerator(seed: seed, stream: attempt)
        var parameters = parameterization.initialParameters(using: &generator)
        let objectiveValues = try optimize(&parameters, objectiveOfStep: { _ in objective }, parameterization: parameterization,
                                           transforms: transforms, steps: steps, model: model, generator: &generator,
                                           learningRate: learningRate) { step, values, _ in
            progress?(RenderProgress(attempt: attempt, step: step, objective: values))
        }
        let result = RenderResult(images: try parameterization.images(from: parameters).0, objective: objectiveValues,
                                  bestAttempt: Array(repeating: attempt, count: batch))
        best = try best.map { try keepBetter($0, result) } ?? result
    }
    guard let best else { throw OptvisError("render made no attempt") }
    return best
}

/// `steps` steps of Adam (a fresh one, at `learningRate`) on `parameters`, maximising the objective
/// `objectiveOfStep(step)` through a new draw of `transforms` at every step: one attempt of
/// `render`, for callers that schedule their own attempts or phases (a painting refines its
/// parameters at a larger size). Returns each item's objective at the last step, before its
/// update; `progress` gets every step's index, values and images (the images the step started
/// from, before its update), and an error it throws (a cancellation) ends the optimisation. The objective may change from step to
/// step: an objective of many costly terms can take a few of them at each step, in turn, each
/// weighted up by how rarely it comes (an unbiased estimate of the whole, for a fraction of the
/// cost).
///
/// With `guidanceOfStep`, a second objective guides the optimisation without competing with the
/// first: at every step its gradient (with respect to the parameters) loses any component that
/// points against the first objective's gradient before the two are added (gradient surgery,
/// Yu et al. 2020, "PCGrad"), so to first order a step never lowers the objective to follow the
/// guidance. Values reported are the objective's alone.
public func optimize(
    _ parameters: inout [Float],
    objectiveOfStep: (Int) throws -> Objective,
    guidanceOfStep: ((Int) throws -> Objective)? = nil,
    parameterization: some ImageParameterization,
    transforms: some ImageTransform,
    steps: Int,
    model: some DifferentiableLayerModel,
    generator: inout SeededGenerator,
    learningRate: Float = 0.05,
    progress: ((Int, [Float], Tensor) throws -> Void)? = nil
) throws -> [Float] {
    guard steps > 0 else { throw OptvisError("optimize needs at least one step, got \(steps)") }
    var adam = Adam(parameterCount: parameters.count, learningRate: learningRate)
    var objectiveValues = [Float](repeating: 0, count: parameterization.imageShape[0])
    for step in 0..<steps {
        let (images, parameterPullback) = try parameterization.images(from: parameters)
        let (values, imageGradient) = try objectiveGradient(objectiveOfStep(step), images: images, transforms: transforms,
                                                            model: model, using: &generator)
        var gradient = try parameterPullback(imageGradient)
        if let guidance = try guidanceOfStep?(step), !guidance.sources.isEmpty {
            let (_, guidanceImageGradient) = try objectiveGradient(guidance, images: images, transforms: transforms, model: model,
                                                                   using: &generator)
            var guiding = try parameterPullback(guidanceImageGradient)
            var (dot, squares) = (0.0, 0.0)
            for i in gradient.indices {
                dot += Double(gradient[i]) * Double(guiding[i])
                squares += Double(gradient[i]) * Double(gradient[i])
            }
            if dot < 0, squares > 0 {
                let scale = Float(dot / squares)
                for i in guiding.indices { guiding[i] -= scale * gradient[i] }
            }
            for i in gradient.indices { gradient[i] += guiding[i] }
        }
        // Adam minimises: step against the gradient of -objective.
        try adam.step(&parameters, gradient: gradient.map { -$0 })
        objectiveValues = values
        try progress?(step, values, images)
    }
    return objectiveValues
}

/// The objective per item and its gradient with respect to `images`, through one random draw of
/// `transforms` and the model.
private func objectiveGradient(
    _ objective: Objective, images: Tensor, transforms: some ImageTransform,
    model: some DifferentiableLayerModel, using generator: inout SeededGenerator
) throws -> ([Float], Tensor) {
    let (transformed, transformPullback) = try transforms.apply(to: images, using: &generator)
    var values = [Float](repeating: 0, count: images.shape[0])
    var transformedGradient: Tensor?
    var imageGradient: Tensor?
    for source in objective.sources {
        switch source {
        case .image:
            let (termValues, gradient) = try objective.evaluate(images, at: .image)
            values = zip(values, termValues).map(+)
            imageGradient = gradient
        case .layer(let layer):
            let (activation, modelPullback) = try model.activationWithPullback(images: transformed, layer: layer)
            let (termValues, gradient) = try objective.evaluate(activation, at: source)
            values = zip(values, termValues).map(+)
            let pulled = try modelPullback(gradient)
            transformedGradient = try transformedGradient.map { try $0.adding(pulled) } ?? pulled
        case .layerOfRegion(let layer, let region):
            let (view, viewPullback) = try region.view(of: transformed, using: &generator)
            let (activation, modelPullback) = try model.activationWithPullback(images: view, layer: layer)
            let (termValues, gradient) = try objective.evaluate(activation, at: source)
            values = zip(values, termValues).map(+)
            let pulled = try viewPullback(modelPullback(gradient))
            transformedGradient = try transformedGradient.map { try $0.adding(pulled) } ?? pulled
        }
    }
    var gradient = try transformedGradient.map { try transformPullback($0) } ?? Tensor(shape: images.shape)
    if let imageGradient { gradient = try gradient.adding(imageGradient) }
    return (values, gradient)
}

/// Per item, the better of two attempts.
private func keepBetter(_ a: RenderResult, _ b: RenderResult) throws -> RenderResult {
    let batch = a.objective.count
    let takeB = (0..<batch).map { b.objective[$0] > a.objective[$0] }
    let items = try (0..<batch).map { try (takeB[$0] ? b : a).images.batchItems($0..<$0 + 1) }
    return RenderResult(images: try Tensor.concatenatingBatches(items),
                        objective: (0..<batch).map { takeB[$0] ? b.objective[$0] : a.objective[$0] },
                        bestAttempt: (0..<batch).map { takeB[$0] ? b.bestAttempt[$0] : a.bestAttempt[$0] })
}

extension Tensor {
    /// The elementwise sum of two tensors of the same shape.
    func adding(_ other: Tensor) throws -> Tensor {
        try other.expectShape(shape, "gradient sum")
        return try Tensor(shape: shape, values: zip(values, other.values).map(+))
    }
}
