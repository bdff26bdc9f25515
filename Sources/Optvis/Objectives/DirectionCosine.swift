import Foundation

/// The atlas's direction objective for one activation vector a (C channels) and a target v
/// (already whitened), as lucid's `direction_neuron_cossim_S`:
///
///     dot = mean_c(a_c v_c),  cos = max(0.1, dot / (1e-4 + |a|)),  value = dot * cos^power
///
/// Neither v nor v S is normalised (lucid passes the raw cell mean, times S), so "cos" is the
/// cosine times |v| / C. Power 0 is the plain `dot` (lucid's `direction_neuron_S`). Where the
/// floor 0.1 holds, the gradient flows through `dot` only, as with TensorFlow's `maximum`.
struct DirectionCosine: Sendable {
    let target: [Float]
    let power: Float

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
        let dot = dotSum / Double(channels), magnitude = squares.squareRoot()
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
        // d value / d a_c = targetWeight * v_c / C + activationWeight * a_c
        for c in 0..<channels {
            let index = start + c * stride
            let g = targetWeight * Double(target[c]) / Double(channels) + activationWeight * Double(activations[index])
            gradient[index] += scale * Float(g)
        }
        return value
    }
}
