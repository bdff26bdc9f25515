import Foundation

/// Adam as TensorFlow's `AdamOptimizer` (lucid's optimiser), minimising: learning rate 0.05 (lucid's
/// feature visualization), beta1 0.9, beta2 0.999, epsilon 1e-8 added to sqrt(v) after the bias
/// correction is folded into the step size.
public struct Adam: Sendable {
    public let learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    private var firstMoment: [Float]
    private var secondMoment: [Float]
    /// beta1^t and beta2^t, updated by multiplication as TensorFlow does.
    private var beta1Power: Float
    private var beta2Power: Float

    public init(parameterCount: Int, learningRate: Float = 0.05, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8) {
        (self.learningRate, self.beta1, self.beta2, self.epsilon) = (learningRate, beta1, beta2, epsilon)
        firstMoment = [Float](repeating: 0, count: parameterCount)
        secondMoment = firstMoment
        (beta1Power, beta2Power) = (1, 1)
    }

    /// One step against `gradient` (of the loss to minimise).
    public mutating func step(_ parameters: inout [Float], gradient: [Float]) throws {
        guard parameters.count == firstMoment.count, gradient.count == firstMoment.count else {
            throw OptvisError("Adam for \(firstMoment.count) parameters got \(parameters.count) parameters and \(gradient.count) gradients")
        }
        beta1Power *= beta1
        beta2Power *= beta2
        let stepSize = learningRate * (1 - beta2Power).squareRoot() / (1 - beta1Power)
        for i in parameters.indices {
            let g = gradient[i]
            firstMoment[i] += (g - firstMoment[i]) * (1 - beta1)
            secondMoment[i] += (g * g - secondMoment[i]) * (1 - beta2)
            parameters[i] -= stepSize * firstMoment[i] / (secondMoment[i].squareRoot() + epsilon)
        }
    }
}
