import Foundation
import Tensor

/// Conv, with what the executor fuses into it (a zero Pad before, BatchNormalization and an
/// activation after), standalone BatchNormalization, the activation operators and Pad.
extension GraphImporter {
    mutating func convolution(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let what = attributes.what
        let source = try imageInput(inputs, node)
        let weights = try constantInput(inputs, 1, node)!
        guard weights.shape.count == 4 else {
            throw ONNXError("\(what): weights '\(node.input[1])' have shape \(weights.shape); only 2-D convolutions "
                + "([out, in/groups, kh, kw]) are supported")
        }
        var bias = try constantInput(inputs, 2, node, required: false).map(\.floats)
        let groups = try attributes.int("group", default: 1)
        let (stride, dilation) = try squareWindow(attributes, kernel: [weights.shape[2], weights.shape[3]])
        let kernel = (weights.shape[2] - 1) * dilation + 1, kernelWidth = (weights.shape[3] - 1) * dilation + 1
        var padding = try windowPadding(attributes, input: shape(of: source), kernel: (kernel, kernelWidth), stride: stride)
        if let folded = foldedPaddingOfCurrentNode {
            guard attributes.string("auto_pad").map({ $0 == "NOTSET" }) ?? true else {
                throw ONNXError("\(what): a Pad before a convolution with auto_pad cannot be folded into it")
            }
            padding = Padding(top: padding.top + folded.top, left: padding.left + folded.left,
                              bottom: padding.bottom + folded.bottom, right: padding.right + folded.right)
        }
        var values = weights.floats, output = node.output[0]
        // Batch normalisation read only by this convolution folds into its weights and bias.
        if let (index, reader) = soleReader(of: output), reader.opType == "BatchNormalization",
           let (scale, shift) = try? batchNormalizationAffine(reader), scale.count == weights.shape[0] {
            // In Double, as the native builders fold their checkpoints' batch norms.
            let perChannel = values.count / scale.count
            values = values.indices.map { Float(Double(values[$0]) * scale[$0 / perChannel]) }
            bias = scale.indices.map { Float(Double(bias?[$0] ?? 0) * scale[$0] + shift[$0]) }
            absorb(index)
            output = reader.output[0]
        }
        // So does an activation the executor can differentiate from its output.
        var activation: Activation?
        if let (index, reader) = soleReader(of: output), let candidate = try? self.activation(reader),
           candidate.isDifferentiableFromOutput, !isSwishGate(reader) {
            activation = candidate
            absorb(index)
            output = reader.output[0]
        }
        let convolution: Convolution
        do {
            convolution = try Convolution(weights: Tensor(shape: weights.shape, values: values), bias: bias, stride: stride,
                                          padding: padding, dilation: dilation, groups: groups, activation: activation)
        } catch let error as TensorError {
            throw ONNXError("\(what): \(error)")
        }
        guard convolution.inputChannels == shape(of: source)[1] else {
            throw ONNXError("\(what): weights \(weights.shape) with \(groups) groups take \(convolution.inputChannels) channels, "
                + "but the input has \(shape(of: source)[1])")
        }
        let id = try append(.convolution(convolution), [source], name: output)
        record(output, .node(id))
    }

    /// A standalone batch normalisation: a per-channel affine map.
    mutating func batchNormalization(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let source = try imageInput(inputs, node)
        let (scale, shift) = try batchNormalizationAffine(node)
        try appendAffine(scale: scale.map(Float.init), shift: shift.map(Float.init), to: source, node)
    }

    /// Batch normalisation as y = scale * x + shift per channel, from its constant inputs.
    func batchNormalizationAffine(_ node: Onnx_NodeProto) throws -> (scale: [Double], shift: [Double]) {
        let what = describe(node)
        let parameters = try (1...4).map { position -> [Float] in
            guard position < node.input.count, case .constant(let value)? = value(of: node.input[position]) else {
                throw ONNXError("\(what): input \(position) must be a constant")
            }
            return value.floats
        }
        let epsilon = Double(try NodeAttributes(node: node, what: what).float("epsilon", default: 1e-5))
        let (gamma, beta, mean, variance) = (parameters[0], parameters[1], parameters[2], parameters[3])
        guard [beta.count, mean.count, variance.count].allSatisfy({ $0 == gamma.count }) else {
            throw ONNXError("\(what): scale, bias, mean and variance differ in length")
        }
        guard variance.allSatisfy({ Double($0) + epsilon > 0 }) else { throw ONNXError("\(what): a variance plus epsilon is not positive") }
        let scale = gamma.indices.map { Double(gamma[$0]) / (Double(variance[$0]) + epsilon).squareRoot() }
        return (scale, gamma.indices.map { Double(beta[$0]) - Double(mean[$0]) * scale[$0] })
    }

    /// y = scale * x + shift per channel (one value each, or one for all), as a 1x1 depthwise
    /// convolution named after the node's output.
    mutating func appendAffine(scale: [Float], shift: [Float], to source: NodeID, _ node: Onnx_NodeProto) throws {
        let channels = shape(of: source)[1]
        func perChannel(_ values: [Float]) throws -> [Float] {
            if values.count == channels { return values }
            guard values.count == 1 else {
                throw ONNXError("\(describe(node)): \(values.count) values for \(channels) channels; per-channel or scalar constants are supported")
            }
            return Array(repeating: values[0], count: channels)
        }
        let convolution = try Convolution(weights: Tensor(shape: [channels, 1, 1, 1], values: perChannel(scale)),
                                          bias: perChannel(shift), groups: channels)
        try define(node, .node(append(.convolution(convolution), [source], node)))
    }

    mutating func activationNode(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let source = try nodeInput(inputs, 0, node)
        // x * sigmoid(x), exported as Sigmoid then Mul, is one swish.
        if node.opType == "Sigmoid", let (index, reader) = soleReader(of: node.output[0]), isSwishGate(node, reader: reader) {
            absorb(index)
            let id = try append(.activation(.swish), [source], name: reader.output[0])
            record(reader.output[0], .node(id))
            return
        }
        try define(node, .node(append(.activation(activation(node)), [source], node)))
    }

    /// Whether `sigmoid` is a Sigmoid whose only reader multiplies it with the Sigmoid's own input.
    func isSwishGate(_ sigmoid: Onnx_NodeProto, reader: Onnx_NodeProto? = nil) -> Bool {
        guard sigmoid.opType == "Sigmoid", sigmoid.input.count == 1, let reader = reader ?? soleReader(of: sigmoid.output[0])?.node,
              reader.opType == "Mul", reader.input.count == 2 else { return false }
        return Set(reader.input) == Set([sigmoid.input[0], sigmoid.output[0]])
    }

    /// The activation an operator computes (Relu, Clip with constant bounds, Sigmoid, HardSigmoid, HardSwish).
    func activation(_ node: Onnx_NodeProto) throws -> Activation {
        let what = describe(node), attributes = NodeAttributes(node: node, what: what)
        switch node.opType {
        case "Relu": return .relu
        case "Sigmoid": return .sigmoid
        case "HardSwish": return .hardSwish
        case "HardSigmoid":
            return .hardSigmoid(alpha: try attributes.float("alpha", default: 0.2), beta: try attributes.float("beta", default: 0.5))
        case "Clip":
            func bound(_ position: Int, _ absent: Float) throws -> Float {
                guard position < node.input.count, !node.input[position].isEmpty else { return absent }
                guard case .constant(let value)? = value(of: node.input[position]), let bound = value.scalar else {
                    throw ONNXError("\(what): bound '\(node.input[position])' must be a constant scalar")
                }
                return bound
            }
            let (low, high) = (try bound(1, -.infinity), try bound(2, .infinity))
            guard low < high else { throw ONNXError("\(what): clips to [\(low), \(high)], an empty range") }
            if low == 0 && high == 6 { return .relu6 }
            if low == 0 && high == .infinity { return .relu }
            return .clip(min: low, max: high)
        default:
            throw ONNXError("\(what): not an activation")
        }
    }

    /// A zero Pad of the spatial dimensions, folded into the convolution that alone reads it.
    mutating func pad(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let what = attributes.what
        let source = try imageInput(inputs, node)
        let mode = attributes.string("mode") ?? "constant"
        let pads = try constantInput(inputs, 1, node).flatMap(\.integers) ?? []
        let fill = try constantInput(inputs, 2, node, required: false)?.scalar ?? 0
        var axes = try constantInput(inputs, 3, node, required: false).flatMap(\.integers) ?? [0, 1, 2, 3]
        axes = axes.map { $0 < 0 ? $0 + 4 : $0 }
        guard mode == "constant", fill == 0, pads.count == 2 * axes.count, pads.allSatisfy({ (0...Self.windowLimit).contains($0) }) else {
            throw ONNXError("\(what): only zero padding (mode constant, value 0, pads from 0 to \(Self.windowLimit)) is supported, got mode \(mode), "
                + "value \(fill), pads \(pads)")
        }
        var perAxis = [Int: (Int, Int)]()
        for (position, axis) in axes.enumerated() { perAxis[axis] = (pads[position], pads[position + axes.count]) }
        guard (perAxis[0] ?? (0, 0)) == (0, 0), (perAxis[1] ?? (0, 0)) == (0, 0) else {
            throw ONNXError("\(what): pads the batch or channel dimension (\(pads)); only height and width may be padded")
        }
        let (height, width) = (perAxis[2] ?? (0, 0), perAxis[3] ?? (0, 0))
        guard let (index, reader) = soleReader(of: node.output[0]), reader.opType == "Conv" else {
            throw ONNXError("\(what): a Pad is supported only when a Conv alone reads it (it folds into the convolution's padding)")
        }
        foldPadding(Padding(top: height.0, left: width.0, bottom: height.1, right: width.1), intoNode: index)
        try define(node, .node(source))
    }

    /// The largest stride, dilation, padding or pooling window a file may ask for: far above any
    /// image network's, and small enough that sizes computed from them cannot overflow.
    static let windowLimit = 1 << 16

    /// The stride and dilation of a window with equal values along height and width.
    func squareWindow(_ attributes: NodeAttributes, kernel: [Int]) throws -> (stride: Int, dilation: Int) {
        let strides = try attributes.ints("strides") ?? [1, 1], dilations = try attributes.ints("dilations") ?? [1, 1]
        guard strides.count == 2, dilations.count == 2, strides[0] == strides[1], dilations[0] == dilations[1],
              (1...Self.windowLimit).contains(strides[0]), (1...Self.windowLimit).contains(dilations[0]) else {
            throw ONNXError("\(attributes.what): strides \(strides) and dilations \(dilations) must be the same along height "
                + "and width (2-D windows), from 1 to \(Self.windowLimit)")
        }
        return (strides[0], dilations[0])
    }

    /// Explicit `pads` ([top, left, bottom, right]) or `auto_pad`'s, for a window of `kernel`
    /// (dilated extent) at `stride` over `input` [N, C, H, W].
    func windowPadding(_ attributes: NodeAttributes, input: [Int], kernel: (Int, Int), stride: Int) throws -> Padding {
        let what = attributes.what
        switch attributes.string("auto_pad") ?? "NOTSET" {
        case "NOTSET":
            let pads = try attributes.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ (0...Self.windowLimit).contains($0) }) else {
                throw ONNXError("\(what): pads \(pads) must be 4 values from 0 to \(Self.windowLimit)")
            }
            return Padding(top: pads[0], left: pads[1], bottom: pads[2], right: pads[3])
        case "VALID":
            return .none
        case let mode where mode == "SAME_UPPER" || mode == "SAME_LOWER":
            func split(_ size: Int, _ extent: Int) -> (Int, Int) {
                let total = max(((size + stride - 1) / stride - 1) * stride + extent - size, 0)
                return mode == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
            }
            let (top, bottom) = split(input[2], kernel.0), (left, right) = split(input[3], kernel.1)
            return Padding(top: top, left: left, bottom: bottom, right: right)
        case let mode:
            throw ONNXError("\(what): auto_pad '\(mode)' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID")
        }
    }
}
