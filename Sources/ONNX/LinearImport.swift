import Tensor

/// Gemm, and MatMul with the bias Add after it, as the executor's fully connected layer.
extension GraphImporter {
    mutating func linear(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let what = attributes.what
        let source = try nodeInput(inputs, 0, node)
        let features = shape(of: source).dropFirst().reduce(1, *)
        let matrix = try constantInput(inputs, 1, node)!
        guard matrix.shape.count == 2 else { throw ONNXError("\(what): weights '\(node.input[1])' have shape \(matrix.shape), expected 2-D") }
        var output = node.output[0], bias: [Float]?
        // weights [out, in], as the executor takes them.
        var weights: [Float], outputs: Int
        if node.opType == "Gemm" {
            guard try attributes.int("transA", default: 0) == 0 else { throw ONNXError("\(what): transA = 1 is not supported") }
            guard shape(of: source).count == 2 else {
                throw ONNXError("\(what): input has shape \(shape(of: source)), expected [N, features] (Flatten first)")
            }
            let alpha = try attributes.float("alpha", default: 1), beta = try attributes.float("beta", default: 1)
            let transposed = try attributes.int("transB", default: 0) == 1
            outputs = transposed ? matrix.shape[0] : matrix.shape[1]
            weights = (transposed ? matrix.floats : Self.transpose(matrix)).map { $0 * alpha }
            if let c = try constantInput(inputs, 2, node, required: false) {
                guard c.count == outputs || c.count == 1 else {
                    throw ONNXError("\(what): bias '\(node.input[2])' has \(c.count) values for \(outputs) outputs")
                }
                bias = (c.count == 1 ? Array(repeating: c.floats[0], count: outputs) : c.floats).map { $0 * beta }
            }
        } else {
            guard shape(of: source).count == 2 else {
                throw ONNXError("\(what): MatMul of a tensor of shape \(shape(of: source)) is not supported (of [N, features] it is)")
            }
            outputs = matrix.shape[1]
            weights = Self.transpose(matrix)
            // A bias Add that alone reads the product joins it.
            if let (index, reader) = soleReader(of: output), reader.opType == "Add", reader.input.count == 2 {
                let other = reader.input[0] == output ? reader.input[1] : reader.input[0]
                if case .constant(let c)? = value(of: other), c.count == outputs, c.shape.last == outputs {
                    bias = c.floats
                    absorb(index)
                    output = reader.output[0]
                }
            }
        }
        guard weights.count == outputs * features else {
            throw ONNXError("\(what): weights \(matrix.shape) do not take the \(features) input features")
        }
        let layer: Linear
        do {
            layer = try Linear(weights: Tensor(shape: [outputs, features], values: weights), bias: bias)
        } catch let error as TensorError {
            throw ONNXError("\(what): \(error)")
        }
        let id = try append(.linear(layer), [source], name: output)
        record(output, .node(id))
    }

    /// A [rows, columns] matrix's values as [columns, rows].
    static func transpose(_ matrix: Constant) -> [Float] {
        let (rows, columns) = (matrix.shape[0], matrix.shape[1]), values = matrix.floats
        var result = [Float](repeating: 0, count: values.count)
        for r in 0..<rows { for c in 0..<columns { result[c * rows + r] = values[r * columns + c] } }
        return result
    }
}
