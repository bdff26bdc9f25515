import Tensor

/// Eval-mode batch norm, y = (x - mean) / sqrt(var + eps) * weight + bias, as a per-channel
/// scale and shift, folded at load time into the convolution before it.
struct BatchNorm {
    let scale: [Double]
    let shift: [Double]

    /// Reads `prefix.weight`, `.bias`, `.running_mean`, `.running_var` (each [channels]).
    init(_ weights: StateDict, prefix: String, channels: Int, epsilon: Double) throws {
        func parameter(_ name: String) throws -> [Double] {
            try weights.tensor("\(prefix).\(name)", shape: [channels]).values.map(Double.init)
        }
        let (gamma, beta, mean, variance) = try (parameter("weight"), parameter("bias"),
                                                 parameter("running_mean"), parameter("running_var"))
        // PyTorch adds eps to the float32 running variance, and ONNX stores it as a float32
        // attribute: the eps in use is the float nearest to the module's. (Folded the same way,
        // an ONNX export of the network gives the very same weights.)
        let epsilon = Double(Float(epsilon))
        let scale = zip(gamma, variance).map { $0 / ($1 + epsilon).squareRoot() }
        self.scale = scale
        shift = (0..<channels).map { beta[$0] - mean[$0] * scale[$0] }
    }

    /// The convolution followed by this batch norm, as one convolution with a bias.
    func folded(into convolution: StoredTensor, bias: [Float]? = nil) throws -> (weights: Tensor, bias: [Float]) {
        let channels = scale.count
        guard convolution.shape.first == channels else {
            throw ModelError("cannot fold a batch norm of \(channels) channels into convolution weights \(convolution.shape)")
        }
        let perChannel = convolution.values.count / channels
        let weights = convolution.values.enumerated().map { Float(Double($1) * scale[$0 / perChannel]) }
        let folded = (0..<channels).map { Float(Double(bias?[$0] ?? 0) * scale[$0] + shift[$0]) }
        return (try Tensor(shape: convolution.shape, values: weights), folded)
    }
}
