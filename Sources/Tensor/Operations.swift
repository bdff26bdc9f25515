/// An elementwise nonlinearity, applied on its own or fused into the operation before it.
public enum Activation: Sendable, Hashable {
    /// max(x, 0)
    case relu
    /// min(max(x, 0), 6), as in MobileNetV2 and EfficientNet-Lite.
    case relu6
    /// 1 / (1 + e^-x)
    case sigmoid
    /// x * sigmoid(x) (SiLU), as in EfficientNet.
    case swish
    /// x * relu6(x + 3) / 6, as in MobileNetV3.
    case hardSwish
    /// max(0, min(1, alpha * x + beta)), as ONNX's HardSigmoid (PyTorch's hardsigmoid is alpha 1/6,
    /// beta 1/2).
    case hardSigmoid(alpha: Float, beta: Float)
    /// min(max(x, min), max); `.relu6` is the clip to (0, 6).
    case clip(min: Float, max: Float)

    /// Whether the backward can be computed from the activation's output alone: those that can be
    /// fused into a convolution. Swish and hard swish need their input.
    public var isDifferentiableFromOutput: Bool {
        switch self {
        case .relu, .relu6, .sigmoid, .hardSigmoid, .clip: true
        case .swish, .hardSwish: false
        }
    }

    /// Throws unless the parameters describe a function (a clip's bounds in order, finite
    /// hard sigmoid coefficients).
    func validate() throws {
        switch self {
        case .clip(let min, let max):
            guard min <= max else { throw TensorError("clip bounds must satisfy min <= max, got min \(min), max \(max)") }
        case .hardSigmoid(let alpha, let beta):
            guard alpha.isFinite, beta.isFinite else {
                throw TensorError("hard sigmoid needs finite alpha and beta, got alpha \(alpha), beta \(beta)")
            }
        case .relu, .relu6, .sigmoid, .swish, .hardSwish:
            break
        }
    }
}

/// Zero padding around the spatial dimensions; asymmetric padding (more at the bottom and right)
/// is what TensorFlow's "SAME" convolutions and pooling need.
public struct Padding: Sendable, Equatable {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        (self.top, self.left, self.bottom, self.right) = (top, left, bottom, right)
    }

    /// The same padding on every side.
    public static func symmetric(_ amount: Int) -> Padding {
        Padding(top: amount, left: amount, bottom: amount, right: amount)
    }

    public static let none = Padding.symmetric(0)
}

/// A 2-D convolution: weights [out, in / groups, kernelHeight, kernelWidth] (PyTorch's order),
/// optional bias [out], then an optional fused activation. `groups == in == out` is a depthwise
/// convolution. With `dilation` d, the kernel's taps are d pixels apart (d - 1 skipped between
/// them), as PyTorch's `dilation`.
public struct Convolution: Sendable {
    public let weights: Tensor
    public let bias: [Float]?
    public let stride: Int
    public let padding: Padding
    public let dilation: Int
    public let groups: Int
    public let activation: Activation?

    /// Only activations whose gradient follows from their output can be fused (not swish or hard
    /// swish: apply those as a node of their own).
    public init(weights: Tensor, bias: [Float]?, stride: Int = 1, padding: Padding = .none, dilation: Int = 1,
                groups: Int = 1, activation: Activation? = nil) throws {
        guard weights.rank == 4, weights.shape.allSatisfy({ $0 > 0 }) else {
            throw TensorError("convolution weights must be [out, in/groups, kh, kw], got \(weights.shape)")
        }
        guard groups > 0, weights.shape[0] % groups == 0 else {
            throw TensorError("convolution with \(weights.shape[0]) output channels cannot have \(groups) groups")
        }
        if let bias, bias.count != weights.shape[0] {
            throw TensorError("convolution bias has \(bias.count) values, expected \(weights.shape[0])")
        }
        guard stride > 0, [padding.top, padding.left, padding.bottom, padding.right].allSatisfy({ $0 >= 0 }) else {
            throw TensorError("convolution stride \(stride) and padding \(padding) must be positive and non-negative")
        }
        guard dilation > 0 else { throw TensorError("convolution dilation must be positive, got \(dilation)") }
        if let activation {
            try activation.validate()
            guard activation.isDifferentiableFromOutput else {
                throw TensorError("a convolution cannot fuse \(activation), whose gradient needs its input: "
                    + "append it as an activation node after the convolution")
            }
        }
        (self.weights, self.bias, self.stride, self.padding, self.dilation, self.groups, self.activation) =
            (weights, bias, stride, padding, dilation, groups, activation)
    }

    public var outputChannels: Int { weights.shape[0] }
    public var inputChannels: Int { weights.shape[1] * groups }
    public var kernelHeight: Int { weights.shape[2] }
    public var kernelWidth: Int { weights.shape[3] }
    /// The input rows a kernel covers, dilation included: (kernelHeight - 1) * dilation + 1.
    public var dilatedKernelHeight: Int { (kernelHeight - 1) * dilation + 1 }
    /// The input columns a kernel covers, dilation included.
    public var dilatedKernelWidth: Int { (kernelWidth - 1) * dilation + 1 }
}

/// Max or average pooling over square windows.
public struct Pooling: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case max
        /// Average; with `countingPadding` the padded zeros count in the divisor (PyTorch's
        /// default `count_include_pad=True`), otherwise only the real inputs do.
        case average(countingPadding: Bool)
    }

    public let kind: Kind
    public let kernel: Int
    public let stride: Int
    public let padding: Padding

    public init(_ kind: Kind, kernel: Int, stride: Int, padding: Padding = .none) throws {
        guard kernel > 0, stride > 0 else {
            throw TensorError("pooling kernel \(kernel) and stride \(stride) must be positive")
        }
        guard [padding.top, padding.left, padding.bottom, padding.right].allSatisfy({ $0 >= 0 && $0 < kernel }) else {
            throw TensorError("pooling padding \(padding) must be non-negative and smaller than the kernel \(kernel)")
        }
        (self.kind, self.kernel, self.stride, self.padding) = (kind, kernel, stride, padding)
    }
}

/// A fully connected layer: weights [out, in], optional bias [out]. An input with more than two
/// dimensions is flattened per batch item in NCHW order (as `torch.flatten(x, 1)`).
public struct Linear: Sendable {
    public let weights: Tensor
    public let bias: [Float]?

    public init(weights: Tensor, bias: [Float]?) throws {
        guard weights.rank == 2, weights.shape.allSatisfy({ $0 > 0 }) else {
            throw TensorError("linear weights must be [out, in], got \(weights.shape)")
        }
        if let bias, bias.count != weights.shape[0] {
            throw TensorError("linear bias has \(bias.count) values, expected \(weights.shape[0])")
        }
        (self.weights, self.bias) = (weights, bias)
    }
}

/// Local response normalisation across channels, as PyTorch's `F.local_response_norm` and
/// oneDNN's `lrn_across_channels`: b_c = a_c / (k + alpha / size * Σ a_c'²)^beta, the sum over
/// the `size` channels centred on c (channels past either end count as zero).
public struct LocalResponseNormalization: Sendable, Equatable {
    /// The window, in channels; odd, so that it is centred (PyTorch and oneDNN place an even
    /// window differently).
    public let size: Int
    public let alpha: Float
    public let beta: Float
    public let k: Float

    public init(size: Int, alpha: Float, beta: Float, k: Float) throws {
        guard size > 0, size % 2 == 1 else {
            throw TensorError("local response normalisation needs an odd positive window size, got \(size)")
        }
        guard k > 0, alpha >= 0, beta >= 0 else {
            throw TensorError("local response normalisation needs k > 0, alpha >= 0 and beta >= 0, "
                + "got k \(k), alpha \(alpha), beta \(beta)")
        }
        (self.size, self.alpha, self.beta, self.k) = (size, alpha, beta, k)
    }
}
