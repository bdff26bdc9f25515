import Optvis
import Tensor
import XCTest

/// A toy differentiable network: layer "conv" is a fixed random 1x1 convolution from 3 to 6
/// channels plus ReLU; layer "pool" is its 2x2 average pooling with stride 2.
private struct ToyModel: DifferentiableLayerModel {
    static let channels = 6
    let weights: [Float]
    let bias: [Float]

    init(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let weights = generator.normal(count: Self.channels * 3, sd: 1)
        // Every unit fires on the grey (0.5) image that renders start from, at 0.3.
        bias = (0..<Self.channels).map { o in 0.3 - 0.5 * (weights[3 * o] + weights[3 * o + 1] + weights[3 * o + 2]) }
        self.weights = weights
    }

    func activationWithPullback(images: Tensor, layer: String) throws -> (Tensor, Pullback) {
        let (batch, height, width) = (images.shape[0], images.shape[2], images.shape[3])
        let plane = height * width, out = Self.channels
        var conv = [Float](repeating: 0, count: batch * out * plane)
        let pixels = images.values
        for n in 0..<batch {
            for o in 0..<out {
                let (w0, w1, w2) = (weights[o * 3], weights[o * 3 + 1], weights[o * 3 + 2])
                for p in 0..<plane {
                    let x = bias[o] + w0 * pixels[n * 3 * plane + p] + w1 * pixels[(n * 3 + 1) * plane + p]
                        + w2 * pixels[(n * 3 + 2) * plane + p]
                    conv[(n * out + o) * plane + p] = max(0, x)
                }
            }
        }
        let convShape = [batch, out, height, width]
        let convPullback: Pullback = { gradient in
            var input = [Float](repeating: 0, count: images.count)
            for n in 0..<batch {
                for o in 0..<out {
                    for p in 0..<plane where conv[(n * out + o) * plane + p] > 0 {
                        let g = gradient.values[(n * out + o) * plane + p]
                        for c in 0..<3 { input[(n * 3 + c) * plane + p] += weights[o * 3 + c] * g }
                    }
                }
            }
            return try Tensor(shape: images.shape, values: input)
        }
        if layer == "conv" { return (try Tensor(shape: convShape, values: conv), convPullback) }
        guard layer == "pool" else { throw OptvisError("toy model has no layer \(layer)") }
        let (ph, pw) = (height / 2, width / 2)
        var pooled = [Float](repeating: 0, count: batch * out * ph * pw)
        for plane2 in 0..<(batch * out) {
            for y in 0..<ph {
                for x in 0..<pw {
                    let base = plane2 * plane + 2 * y * width + 2 * x
                    pooled[(plane2 * ph + y) * pw + x] = (conv[base] + conv[base + 1] + conv[base + width] + conv[base + width + 1]) / 4
                }
            }
        }
        return (try Tensor(shape: [batch, out, ph, pw], values: pooled), { gradient in
            var convGradient = [Float](repeating: 0, count: conv.count)
            for plane2 in 0..<(batch * out) {
                for y in 0..<ph {
                    for x in 0..<pw {
                        let g = gradient.values[(plane2 * ph + y) * pw + x] / 4
                        let base = plane2 * plane + 2 * y * width + 2 * x
                        for offset in [0, 1, width, width + 1] { convGradient[base + offset] += g }
                    }
                }
            }
            return try convPullback(Tensor(shape: convShape, values: convGradient))
        })
    }
}

final class RenderTests: XCTestCase {
    private struct Run {
        let result: RenderResult
        let progress: [RenderProgress]
    }

    private func run(seed: UInt64, steps: Int) throws -> Run {
        var generator = SeededGenerator(seed: 99)
        let direction = generator.normal(count: ToyModel.channels, sd: 3).map { abs($0) }
        let objective = try Objective.directionCosine("pool", direction, power: 4, item: 0)
            + Objective.channel("conv", 2, item: 1)
            - 0.001 * Objective.totalVariation()
        let transforms = TransformPipeline([Pad(2, value: 0.5), Jitter(2), RandomScale([0.9, 1, 1.1]),
                                            RandomRotate(degrees: [-5, 0, 5]), CropOrPad(height: 16, width: 16)])
        var progress: [RenderProgress] = []
        let result = try render(objective: objective, parameterization: try ParameterizedImage(width: 16, height: 16, batch: 2),
                                transforms: transforms, steps: steps, model: ToyModel(seed: 5), seed: seed, attempts: 2,
                                progress: { progress.append($0) })
        return Run(result: result, progress: progress)
    }

    func testRenderIncreasesTheObjectiveAndKeepsTheBestAttempt() throws {
        let run = try run(seed: 1, steps: 40)
        XCTAssertEqual(run.result.images.shape, [2, 3, 16, 16])
        XCTAssertTrue(run.result.images.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(run.progress.count, 80)
        for attempt in 0..<2 {
            let steps = run.progress.filter { $0.attempt == attempt }
            for item in 0..<2 {
                let (first, last) = (steps.first!.objective[item], steps.last!.objective[item])
                // Images in [0, 1] bound the toy objectives; in 40 steps they reach about 1.3 x
                // (item 0) and 1.5 x (item 1) their start, while the random transforms move them
                // by a few percent from step to step.
                XCTAssertGreaterThan(last, 1.2 * first, "attempt \(attempt), item \(item)")
                XCTAssertGreaterThan(first, 0, "attempt \(attempt), item \(item)")
            }
        }
        let finals = (0..<2).map { attempt in run.progress.last { $0.attempt == attempt }!.objective }
        for item in 0..<2 {
            let best = finals[0][item] >= finals[1][item] ? 0 : 1
            XCTAssertEqual(run.result.bestAttempt[item], best)
            XCTAssertEqual(run.result.objective[item], finals[best][item])
        }
    }

    func testRenderIsReproducibleForASeed() throws {
        let first = try run(seed: 7, steps: 10), second = try run(seed: 7, steps: 10), other = try run(seed: 8, steps: 10)
        XCTAssertEqual(first.result.images.values.map(\.bitPattern), second.result.images.values.map(\.bitPattern))
        XCTAssertEqual(first.progress.map(\.objective), second.progress.map(\.objective))
        XCTAssertNotEqual(first.result.images, other.result.images)
    }

    func testBadSettingsAreErrors() throws {
        let parameterization = try ParameterizedImage(width: 8, height: 8)
        XCTAssertThrowsError(try render(objective: .channel("conv", 0), parameterization: parameterization,
                                        transforms: TransformPipeline([]), steps: 0, model: ToyModel(seed: 1), seed: 1))
        XCTAssertThrowsError(try render(objective: .channel("nope", 0), parameterization: parameterization,
                                        transforms: TransformPipeline([]), steps: 1, model: ToyModel(seed: 1), seed: 1))
    }

    /// Guidance never works against the objective: a guidance that is the objective's exact
    /// opposite is removed whole by the gradient surgery (the run equals the unguided one to
    /// rounding), while another channel's guidance changes the run.
    func testGuidanceLosesWhatOpposesTheObjective() throws {
        let parameterization = try ParameterizedImage(width: 8, height: 8)
        let objective = Objective.channel("conv", 1)
        func run(_ guidance: Objective?) throws -> (values: [Float], parameters: [Float]) {
            var generator = SeededGenerator(seed: 3)
            var parameters = parameterization.initialParameters(using: &generator)
            var values: [Float] = []
            _ = try optimize(&parameters, objectiveOfStep: { _ in objective }, guidanceOfStep: guidance.map { g in { _ in g } },
                             parameterization: parameterization, transforms: TransformPipeline([]), steps: 20,
                             model: ToyModel(seed: 5), generator: &generator) { _, v, _ in values.append(v[0]) }
            return (values, parameters)
        }
        let alone = try run(nil), opposed = try run(-2 * objective), other = try run(.channel("conv", 2))
        let difference = zip(alone.parameters, opposed.parameters).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(difference, 1e-4)
        XCTAssertGreaterThan(alone.values.last!, alone.values.first!)
        XCTAssertGreaterThan(zip(alone.parameters, other.parameters).map { abs($0 - $1) }.max()!, 1e-3)
    }
}
