import Foundation
import Tensor

/// One class of a classifier's output: its logit, or its log-probability (the logit less the
/// log-sum-exp of all logits, which also pushes the other classes down). Reads [N, K] or
/// [N, K, 1, 1].
struct ClassTerm: ObjectiveTerm {
    let classIndex: Int
    let logProbability: Bool

    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor) {
        guard input.rank == 2 || (input.rank == 4 && input.shape[2] == 1 && input.shape[3] == 1), input.shape[0] > 0 else {
            throw OptvisError("a class objective reads logits of shape [N, classes], got \(input.shape)")
        }
        let (batch, classes) = (input.shape[0], input.shape[1])
        guard (0..<classes).contains(classIndex) else {
            throw OptvisError("class \(classIndex) outside the \(classes) classes of the layer")
        }
        var gradient = [Float](repeating: 0, count: input.count)
        let values = (0..<batch).map { n -> Float in
            let logits = input.values[n * classes..<(n + 1) * classes]
            gradient[n * classes + classIndex] = 1
            guard logProbability else { return logits[n * classes + classIndex] }
            let top = logits.max()!
            let exps = logits.map { Foundation.exp(Double($0 - top)) }
            let total = exps.reduce(0, +)
            for (k, e) in exps.enumerated() { gradient[n * classes + k] -= Float(e / total) }
            return Float(Double(logits[n * classes + classIndex] - top) - Foundation.log(total))
        }
        return (values, try Tensor(shape: input.shape, values: gradient))
    }
}

extension Objective {
    /// The logit of class `classIndex` at `layer` (the network's logits layer), for the whole
    /// image or, with `region`, for that region cut out and resized.
    public static func classLogit(_ layer: String, _ classIndex: Int, region: ImageRegion? = nil, item: Int? = nil) -> Objective {
        Objective(ClassTerm(classIndex: classIndex, logProbability: false), on: region.map { .layerOfRegion(layer, $0) } ?? .layer(layer),
                  item: item, name: "logit \(classIndex)")
    }

    /// The log-probability of class `classIndex` from the logits at `layer`, for the whole image
    /// or, with `region`, for that region cut out and resized.
    public static func classLogProbability(_ layer: String, _ classIndex: Int, region: ImageRegion? = nil,
                                           item: Int? = nil) -> Objective {
        Objective(ClassTerm(classIndex: classIndex, logProbability: true), on: region.map { .layerOfRegion(layer, $0) } ?? .layer(layer),
                  item: item, name: "log p(\(classIndex))")
    }
}
