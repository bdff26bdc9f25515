import Tensor

/// Operators that rearrange computed tensors: Concat along the channels, Flatten, Reshape and
/// Squeeze to [N, features], Softmax over the classes, LRN, and Cast to float (a no-op).
extension GraphImporter {
    mutating func concatenation(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let sources = try inputs.indices.map { try nodeInput(inputs, $0, node) }
        let rank = shape(of: sources[0]).count, axis = try attributes.int("axis", default: 1)
        guard rank >= 2, (axis < 0 ? axis + rank : axis) == 1 else {
            throw ONNXError("\(attributes.what): concatenation along axis \(axis) of rank-\(rank) tensors is not supported "
                + "(along the channels, axis 1, it is)")
        }
        try define(node, .node(append(.concatenation, sources, node)))
    }

    /// Flatten (axis 1), Reshape to [N, C*H*W] or to the same shape, Squeeze of [N, C, 1, 1].
    mutating func flatten(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let what = attributes.what
        let source = try nodeInput(inputs, 0, node), input = shape(of: source)
        let features = input.dropFirst().reduce(1, *)
        let target: [Int]
        switch node.opType {
        case "Flatten":
            guard try attributes.int("axis", default: 1) == 1 else { throw ONNXError("\(what): Flatten is supported with axis 1 only") }
            target = [input[0], features]
        case "Squeeze":
            let axes = file.opset >= 13 ? try constantInput(inputs, 1, node, required: false)?.integers : try attributes.ints("axes")
            target = try squeezed(input, axes: axes, unsqueeze: false, what: what)
        default:
            guard let requested = try constantInput(inputs, 1, node)?.integers else { throw ONNXError("\(what): the shape must be integers") }
            // The batch size comes as 0 (copy), -1 (infer), the folded batch size, or as exported (1).
            var batchless = requested
            if let first = batchless.first, [0, -1, 1, Self.batchSize].contains(first) { batchless[0] = input[0] }
            target = try reshaped(input, to: batchless, allowZero: false, what: what)
        }
        if target == input {
            try define(node, .node(source))
        } else if target == [input[0], features] {
            try define(node, .node(input.count == 2 ? source : append(.flatten, [source], node)))
        } else {
            throw ONNXError("\(what): reshaping \(input) to \(target) is not supported (to [N, features] it is)")
        }
    }

    mutating func softmax(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let source = try nodeInput(inputs, 0, node), input = shape(of: source)
        let axis = try attributes.int("axis", default: file.opset >= 13 ? -1 : 1)
        let normalized = axis < 0 ? axis + input.count : axis
        guard normalized == 1, input.dropFirst(2).allSatisfy({ $0 == 1 }) else {
            throw ONNXError("\(attributes.what): softmax along axis \(axis) of shape \(input) is not supported (over the classes, "
                + "[N, classes], it is)")
        }
        let flat = input.count == 2 ? source : try append(.flatten, [source], name: node.output[0] + ".flat")
        try define(node, .node(append(.softmax, [flat], node)))
    }

    mutating func localResponseNormalization(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let source = try imageInput(inputs, node)
        let normalization: LocalResponseNormalization
        do {
            normalization = try LocalResponseNormalization(size: attributes.int("size", default: 0),
                                                           alpha: attributes.float("alpha", default: 1e-4),
                                                           beta: attributes.float("beta", default: 0.75),
                                                           k: attributes.float("bias", default: 1))
        } catch let error as TensorError {
            throw ONNXError("\(attributes.what): \(error)")
        }
        try define(node, .node(append(.localResponseNormalization(normalization), [source], node)))
    }

    mutating func cast(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let to = try attributes.int("to", default: 1)
        guard Onnx_TensorProto.DataType(rawValue: to) == .float else {
            throw ONNXError("\(attributes.what): casting a computed tensor to \(TensorDecoding.dataTypeName(Int32(to))) is not supported")
        }
        try define(node, .node(nodeInput(inputs, 0, node)))
    }
}
