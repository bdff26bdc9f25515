import Tensor

/// InceptionV1 (GoogLeNet) as lucid's `inception5h`, the network of the Activation Atlas
/// article, from the PyTorch port of its weights (`inception5h.pth`, as lucent and captum load
/// it): every convolution `<layer>_pre_relu_conv` with a bias and a ReLU, no batch norm, 1008
/// classes.
///
/// Layers are named as lucid names them: `conv2d0`, `maxpool0`, `localresponsenorm0`,
/// `conv2d1`, `conv2d2`, `localresponsenorm1`, `maxpool1`, the mixed blocks `mixed3a` ...
/// `mixed5b` (with the pools `maxpool4` and `maxpool10` between them), `avgpool0`, the logits
/// `softmax2_pre_activation_matmul` and the probabilities `softmax2`. Each mixed block M
/// concatenates four branches, which are layers too (all after their ReLU): `M_1x1`,
/// `M_3x3_bottleneck` -> `M_3x3`, `M_5x5_bottleneck` -> `M_5x5`, `M_pool` (3x3 max pool) ->
/// `M_pool_reduce`. The auxiliary classifiers of the checkpoint (`head0`, `head1`) are not built.
///
/// TensorFlow's "SAME" padding becomes padding only after (right and bottom) where the input
/// size is even: 2 before and 3 after for the 7x7 stride-2 stem, one row and column after (never
/// winning, as -inf) for the stride-2 max pools. `avgpool0` averages over all positions, which
/// at 224 px is lucid's 7x7 pool and lets other input sizes through.
enum InceptionV1 {
    static let classCount = 1008
    static let weightsSource = "https://github.com/ProGamerGov/pytorch-old-tensorflow-models/raw/master/inception5h.pth"

    /// No label list for inception5h's 1008 outputs ships with atlas: placeholders `class 0` ...
    /// `class 1007`.
    static let labels = (0..<classCount).map { "class \($0)" }

    /// lucid feeds x * 255 - 117 for RGB x in [0, 1].
    static let normalization = InputNormalization(mean: [Float](repeating: 117 / 255, count: 3),
                                                  standardDeviation: [Float](repeating: 1 / 255, count: 3))

    private static let mixedBlocks = ["mixed3a", "mixed3b", "maxpool4", "mixed4a", "mixed4b", "mixed4c", "mixed4d", "mixed4e",
                                      "maxpool10", "mixed5a", "mixed5b"]

    static func network(from weights: StateDict) throws -> Network {
        var builder = Builder(weights: weights)
        let normalization = try LocalResponseNormalization(size: 9, alpha: 9.99999974738e-05, beta: 0.5, k: 1)
        var x = try builder.convolution(builder.graph.input, "conv2d0", kernel: 7, stride: 2,
                                        padding: Padding(top: 2, left: 2, bottom: 3, right: 3))
        x = try builder.stridedMaxPool(x, "maxpool0")
        x = try builder.graph.append(.localResponseNormalization(normalization), x, name: "localresponsenorm0")
        x = try builder.convolution(x, "conv2d1", kernel: 1)
        x = try builder.convolution(x, "conv2d2", kernel: 3)
        x = try builder.graph.append(.localResponseNormalization(normalization), x, name: "localresponsenorm1")
        x = try builder.stridedMaxPool(x, "maxpool1")
        for block in mixedBlocks {
            x = try block.hasPrefix("maxpool") ? builder.stridedMaxPool(x, block) : builder.mixed(x, block)
        }
        x = try builder.graph.append(.globalAveragePool, x, name: "avgpool0")
        let classifier = "softmax2_pre_activation_matmul"
        let stored = try weights.tensor("\(classifier).weight")
        guard stored.shape.count == 2, stored.shape[0] == classCount else {
            throw ModelError("\(weights.path): '\(classifier).weight' has shape \(stored.shape), expected [\(classCount), channels]")
        }
        let linear = try Linear(weights: stored.tensor, bias: weights.tensor("\(classifier).bias", shape: [classCount]).values)
        let logits = try builder.graph.append(.linear(linear), x, name: classifier)
        let probabilities = try builder.graph.append(.softmax, logits, name: "softmax2")
        return try Network(name: ModelName.inceptionV1.rawValue, graph: builder.graph, inputSize: 224,
                           normalization: Self.normalization, logits: logits, probabilities: probabilities,
                           weightsPath: weights.path)
    }

    private struct Builder {
        let weights: StateDict
        var graph = Graph(inputChannels: 3)

        /// `<name>_pre_relu_conv` (weight [out, in, kernel, kernel] and bias) and its ReLU, as the
        /// layer `name`; padded kernel / 2 on every side unless told otherwise.
        mutating func convolution(_ input: NodeID, _ name: String, kernel: Int, stride: Int = 1,
                                  padding: Padding? = nil) throws -> NodeID {
            let prefix = "\(name)_pre_relu_conv"
            let stored = try weights.tensor("\(prefix).weight")
            guard stored.shape.count == 4, stored.shape[2] == kernel, stored.shape[3] == kernel else {
                throw ModelError("\(weights.path): '\(prefix).weight' has shape \(stored.shape), "
                    + "expected [out, in, \(kernel), \(kernel)]")
            }
            let bias = try weights.tensor("\(prefix).bias", shape: [stored.shape[0]]).values
            let layer = try Convolution(weights: stored.tensor, bias: bias, stride: stride,
                                        padding: padding ?? .symmetric(kernel / 2), activation: .relu)
            return try graph.append(.convolution(layer), input, name: name)
        }

        /// A 3x3 stride-2 max pool padded one row and column after.
        mutating func stridedMaxPool(_ input: NodeID, _ name: String) throws -> NodeID {
            let pooling = try Pooling(.max, kernel: 3, stride: 2, padding: Padding(top: 0, left: 0, bottom: 1, right: 1))
            return try graph.append(.pooling(pooling), input, name: name)
        }

        /// A mixed block: its four branches concatenated over the channels.
        mutating func mixed(_ input: NodeID, _ name: String) throws -> NodeID {
            let oneByOne = try convolution(input, "\(name)_1x1", kernel: 1)
            let threeByThree = try convolution(convolution(input, "\(name)_3x3_bottleneck", kernel: 1), "\(name)_3x3", kernel: 3)
            let fiveByFive = try convolution(convolution(input, "\(name)_5x5_bottleneck", kernel: 1), "\(name)_5x5", kernel: 5)
            let pool = try graph.append(.pooling(Pooling(.max, kernel: 3, stride: 1, padding: .symmetric(1))), input,
                                        name: "\(name)_pool")
            let reduced = try convolution(pool, "\(name)_pool_reduce", kernel: 1)
            return try graph.append(.concatenation, [oneByOne, threeByThree, fiveByFive, reduced], name: name)
        }
    }
}
