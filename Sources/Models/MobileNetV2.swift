import Tensor

/// torchvision's MobileNetV2 1.0 (ImageNet, 1000 classes), built from its state dict with every
/// batch norm folded into its convolution.
///
/// Layers are named as the state dict names the modules: `features.0` (stem), `features.K`
/// (block K = 1...17's output), `features.K.conv.0` (the first ReLU6 layer inside block K: the
/// expansion, or for block 1 the depthwise layer), `features.K.conv.1` (the depthwise layer of
/// blocks 2...17), `features.K.conv.2` (the linear projection, a layer of its own only in blocks
/// with a residual connection; elsewhere it is `features.K`), `features.18` (the 1280-channel
/// layer), then `pool`, `classifier.1` (logits) and `probabilities`.
enum MobileNetV2 {
    /// Expansion t, output channels c, repeats n, first stride s (the paper's table 2).
    private static let blocks: [(t: Int, c: Int, n: Int, s: Int)] = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                                 (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    private static let batchNormEpsilon = 1e-5

    static func network(from weights: StateDict) throws -> Network {
        var builder = Builder(weights: weights)
        var x = try builder.convolution(builder.graph.input, "features.0.0", stride: 2, activation: .relu6, name: "features.0")
        var channels = 32, index = 1
        for block in blocks {
            for repeat_ in 0..<block.n {
                let stride = repeat_ == 0 ? block.s : 1
                let prefix = "features.\(index).conv"
                var y = x, layer = 0
                if block.t != 1 {
                    y = try builder.convolution(y, "\(prefix).0.0", activation: .relu6, name: "\(prefix).0")
                    layer = 1
                }
                y = try builder.convolution(y, "\(prefix).\(layer).0", stride: stride, depthwise: true, activation: .relu6,
                                            name: "\(prefix).\(layer)")
                let residual = stride == 1 && channels == block.c
                y = try builder.convolution(y, "\(prefix).\(layer + 1)", batchNorm: "\(prefix).\(layer + 2)",
                                            name: residual ? "\(prefix).\(layer + 1)" : "features.\(index)")
                if residual {
                    y = try builder.graph.append(.add, x, y, name: "features.\(index)")
                }
                (x, channels, index) = (y, block.c, index + 1)
            }
        }
        x = try builder.convolution(x, "features.18.0", activation: .relu6, name: "features.18")
        let pool = try builder.graph.append(.globalAveragePool, x, name: "pool")
        let classifier = try Linear(weights: weights.tensor("classifier.1.weight", shape: [1000, 1280]).tensor,
                                    bias: weights.tensor("classifier.1.bias", shape: [1000]).values)
        let logits = try builder.graph.append(.linear(classifier), pool, name: "classifier.1")
        let probabilities = try builder.graph.append(.softmax, logits, name: "probabilities")
        return try Network(name: ModelName.mobileNetV2.rawValue, graph: builder.graph, inputSize: 224,
                           normalization: .imageNet, logits: logits, probabilities: probabilities, weightsPath: weights.path)
    }

    /// Appends convolution + folded batch norm layers read from the state dict.
    private struct Builder {
        let weights: StateDict
        var graph = Graph(inputChannels: 3)

        /// The convolution `conv.weight` with the batch norm `batchNorm` (by default the module
        /// after the convolution in torchvision's Conv2dNormActivation: `X.0` -> `X.1`), padding
        /// kernel / 2.
        mutating func convolution(_ input: NodeID, _ conv: String, batchNorm: String? = nil, stride: Int = 1,
                                  depthwise: Bool = false, activation: Activation? = nil, name: String) throws -> NodeID {
            let layer = try weights.foldedConvolution(conv, batchNorm: batchNorm ?? String(conv.dropLast()) + "1",
                                                      epsilon: MobileNetV2.batchNormEpsilon, stride: stride, depthwise: depthwise,
                                                      activation: activation, padding: { .symmetric($0 / 2) })
            return try graph.append(.convolution(layer), input, name: name)
        }
    }
}

extension StoredTensor {
    var tensor: Tensor {
        get throws { try Tensor(shape: shape, values: values) }
    }
}
