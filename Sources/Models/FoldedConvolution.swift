import Tensor

extension StateDict {
    /// The convolution `conv` (its `conv.weight`, [out, in / groups, k, k]) followed by the
    /// eval-mode batch norm at `batchNorm`, as one convolution with a bias; `depthwise` makes it
    /// one filter per channel, `padding` gives the padding for the kernel size k.
    func foldedConvolution(_ conv: String, batchNorm: String, epsilon: Double, stride: Int, depthwise: Bool,
                           activation: Activation?, padding: (_ kernel: Int) -> Padding) throws -> Convolution {
        let stored = try tensor("\(conv).weight")
        guard stored.shape.count == 4 else {
            throw ModelError("\(path): '\(conv).weight' has shape \(stored.shape), expected a 4-D convolution kernel")
        }
        let norm = try BatchNorm(self, prefix: batchNorm, channels: stored.shape[0], epsilon: epsilon)
        let (folded, bias) = try norm.folded(into: stored)
        return try Convolution(weights: folded, bias: bias, stride: stride, padding: padding(stored.shape[2]),
                               groups: depthwise ? stored.shape[0] : 1, activation: activation)
    }
}
