import Foundation

/// The atlas's direction objective for one activation vector a (C channels) and a target
/// direction v (already whitened), as the article writes it, (a.v)^(n+1) / (|a| |v|)^n:
///
///     dot = a . v / |v|,  cos = max(0.1, dot / (1e-4 + |a|)),  value = dot * cos^power
///
/// Lucid's `direction_neuron_cossim_S` takes dot = mean_c(a_c v_c) instead, so its "cos" is the
/// cosine times |v| / C: for a raw features.13 cell mean |v| / C is about 0.05 and whitened about
/// 0.2, so the floor of 0.1 held almost always and the cosine power did nothing (a rendered
/// direction then reached a cosine of 0.52 with its target, against 0.81 with the true cosine).
/// Here the target is normalised, so "cos" is the true cosine. Power 0 is the plain `dot`. Where
/// the floor holds, the gradient flows through `dot` only, as with TensorFlow's `maximum`.
struct DirectionCosine: Sendable {
    /// v / |v| (zero for a zero target).
    let target: [Float]
    let power: Float

    init(target: [Float], power: Float) {
        let norm = target.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        self.target = norm > 0 ? target.map { Float(Double($0) / norm) } : target
        self.power = power
    }

    /// The value for the vector at `start`, `start + stride`, ... of `activations`; adds `scale`
    /// times its gradient into the same places of `gradient`.
    func accumulate(_ activations: [Float], start: Int, stride: Int, scale: Float,
                    into gradient: inout [Float]) -> Double {
        let channels = target.count
        var dotSum = 0.0, squares = 0.0
        for c in 0..<channels {
            let a = Double(activations[start + c * stride])
            dotSum += a * Double(target[c])
            squares += a * a
        }
        let dot = dotSum, magnitude = squares.squareRoot()
        let ratio = dot / (1e-4 + magnitude)
        let p = Double(power)
        let value: Double, targetWeight: Double, activationWeight: Double
        if p == 0 {
            (value, targetWeight, activationWeight) = (dot, 1, 0)
        } else if ratio > 0.1 {
            // value = dot^(p+1) / (1e-4 + |a|)^p
            value = dot * pow(ratio, p)
            targetWeight = (p + 1) * pow(ratio, p)
            activationWeight = -p * pow(ratio, p + 1) / magnitude
        } else {
            (value, targetWeight, activationWeight) = (dot * pow(0.1, p), pow(0.1, p), 0)
        }
        // d value / d a_c = targetWeight * v_c + activationWeight * a_c
        for c in 0..<channels {
            let index = start + c * stride
            let g = targetWeight * Double(target[c]) + activationWeight * Double(activations[index])
            gradient[index] += scale * Float(g)
        }
        return value
    }
}
