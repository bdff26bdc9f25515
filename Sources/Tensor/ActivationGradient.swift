/// How the backward pass treats ReLU and ReLU6 (fused into a convolution or not); every other
/// activation always takes its exact gradient.
public enum ActivationGradient: Sendable, Hashable {
    /// The true gradient: it passes where the activation is not flat (ReLU above 0, ReLU6 strictly
    /// inside (0, 6)), as PyTorch's.
    case exact
    /// lucid's redirected gradient, for feature visualization (lucid's `redirected_relu_grad`):
    /// where the true gradient of an activation is zero over a whole batch item, the gradient
    /// passes as if the activation were linear, except where it would push a value further into
    /// the flat part (below 0, or above 6 for ReLU6). An image that starts where a unit is dead
    /// then still gets a way up instead of staying grey. The seed must be the gradient of a
    /// quantity the caller increases (gradient ascent, as Optvis's objectives).
    case redirected
}

extension Activation {
    /// The gradient at the activation's input, in place over `gradient`, from its output `output`
    /// (both `batch` items of equal length, in the same layout), with `ActivationGradient.redirected`.
    func redirectedGradient(output: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>, batch: Int) {
        let upper: Float = self == .relu6 ? 6 : .infinity
        let length = gradient.count / batch
        for item in 0..<batch {
            let range = item * length..<(item + 1) * length
            var passes = false
            for i in range where gradient[i] != 0 && output[i] > 0 && output[i] < upper {
                passes = true
                break
            }
            for i in range {
                let flat = passes ? output[i] <= 0 || output[i] >= upper
                    : (output[i] <= 0 && gradient[i] < 0) || (output[i] >= upper && gradient[i] > 0)
                if flat { gradient[i] = 0 }
            }
        }
    }
}
