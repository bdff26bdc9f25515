import Tensor

/// Add, Sub, Mul and Div: of two computed tensors (a residual sum, a squeeze-and-excitation
/// scale), or of a computed tensor and a per-channel constant (input normalisation inside a
/// model), which becomes a 1x1 depthwise convolution.
extension GraphImporter {
    mutating func arithmetic(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let what = attributes.what
        guard inputs.count == 2, let first = inputs[0], let second = inputs[1] else { throw ONNXError("\(what): needs two inputs") }
        switch (first, second) {
        case (.node(let a), .node(let b)):
            let (shapeA, shapeB) = (shape(of: a), shape(of: b))
            switch node.opType {
            case "Add" where shapeA == shapeB:
                try define(node, .node(append(.add, [a, b], node)))
            case "Mul":
                // The executor broadcasts the second input ([N, C, 1, 1]) over the first.
                let (big, small) = shapeB.count == 4 && shapeB[2...] == [1, 1] && shapeA != shapeB ? (a, b) : (b, a)
                try define(node, .node(append(.multiply, [big, small], node)))
            default:
                throw ONNXError("\(what): \(node.opType) of two computed tensors of shapes \(shapeA) and \(shapeB) is not supported "
                    + "(Add of equal shapes and Mul, equal or by [N, C, 1, 1], are)")
            }
        case (.node(let source), .constant(let constant)), (.constant(let constant), .node(let source)):
            let constantFirst = if case .constant = first { true } else { false }
            guard shape(of: source).count == 4 else {
                throw ONNXError("\(what): \(node.opType) with a constant on a tensor of shape \(shape(of: source)) is not supported "
                    + "(per-channel constants on [N, C, H, W] tensors are)")
            }
            guard constant.shape.count <= 4, constant.shape.reduce(1, *) == constant.count,
                  constant.count == 1 || constant.shape.enumerated().allSatisfy({ position, size in
                      size == 1 || position == constant.shape.count - 3 }) else {
                throw ONNXError("\(what): constant '\(constantFirst ? node.input[0] : node.input[1])' of shape \(constant.shape) "
                    + "is not per-channel ([C, 1, 1], [1, C, 1, 1] or a scalar)")
            }
            let values = constant.floats, ones = [Float](repeating: 1, count: values.count), zeros = [Float](repeating: 0, count: values.count)
            switch (node.opType, constantFirst) {
            case ("Add", _): try appendAffine(scale: ones, shift: values, to: source, node)
            case ("Sub", false): try appendAffine(scale: ones, shift: values.map { -$0 }, to: source, node)
            case ("Sub", true): try appendAffine(scale: ones.map { -$0 }, shift: values, to: source, node)
            case ("Mul", _): try appendAffine(scale: values, shift: zeros, to: source, node)
            case ("Div", false):
                guard values.allSatisfy({ $0 != 0 }) else { throw ONNXError("\(what): divides by zero") }
                try appendAffine(scale: values.map { 1 / $0 }, shift: zeros, to: source, node)
            default:
                throw ONNXError("\(what): a constant divided by a computed tensor is not supported")
            }
        default:
            throw ONNXError("\(what): unexpected inputs")
        }
    }
}
