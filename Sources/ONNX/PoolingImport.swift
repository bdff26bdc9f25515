import Tensor

/// MaxPool and AveragePool (square windows; ceil_mode as extra padding at the end), and
/// ReduceMean over height and width as global average pooling.
extension GraphImporter {
    mutating func pooling(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let what = attributes.what
        let source = try imageInput(inputs, node), input = shape(of: source)
        guard let kernel = try attributes.ints("kernel_shape"), kernel.count == 2, kernel[0] == kernel[1],
              (1...Self.windowLimit).contains(kernel[0]) else {
            throw ONNXError("\(what): kernel_shape must be two equal sizes from 1 to \(Self.windowLimit) (square 2-D windows are supported)")
        }
        let (stride, dilation) = try squareWindow(attributes, kernel: kernel)
        guard dilation == 1 else { throw ONNXError("\(what): dilated pooling is not supported") }
        var padding = try windowPadding(attributes, input: input, kernel: (kernel[0], kernel[0]), stride: stride)
        let isMax = node.opType == "MaxPool"
        let countsPadding = try attributes.int("count_include_pad", default: 0) == 1
        if try attributes.int("ceil_mode", default: 0) == 1 {
            // The extra output row or column ceil_mode makes, as padding at the bottom and right.
            func extra(_ size: Int, _ before: Int, _ after: Int) -> Int {
                let span = size + before + after - kernel[0]
                var outputs = (span + stride - 1) / stride + 1
                if (outputs - 1) * stride >= size + before { outputs -= 1 }
                return max((outputs - 1) * stride + kernel[0] - (size + before + after), 0)
            }
            let (bottom, right) = (extra(input[2], padding.top, padding.bottom), extra(input[3], padding.left, padding.right))
            guard isMax || !countsPadding || (bottom == 0 && right == 0) else {
                throw ONNXError("\(what): AveragePool with ceil_mode and count_include_pad that adds an output row is not supported")
            }
            padding.bottom += bottom
            padding.right += right
        }
        let pooling: Pooling
        do {
            pooling = try Pooling(isMax ? .max : .average(countingPadding: countsPadding), kernel: kernel[0], stride: stride,
                                  padding: padding)
        } catch let error as TensorError {
            throw ONNXError("\(what): \(error)")
        }
        try define(node, .node(append(.pooling(pooling), [source], node)))
    }

    /// ReduceMean over axes 2 and 3 of [N, C, H, W]: global average pooling (flattened without keepdims).
    mutating func reduceMean(_ node: Onnx_NodeProto, _ inputs: [Value?], _ attributes: NodeAttributes) throws {
        let what = attributes.what
        let source = try imageInput(inputs, node)
        let axes = file.opset >= 18 ? try constantInput(inputs, 1, node, required: false)?.integers : try attributes.ints("axes")
        guard let axes, Set(axes.map { $0 < 0 ? $0 + 4 : $0 }) == [2, 3] else {
            throw ONNXError("\(what): ReduceMean over axes \(axes.map { "\($0)" } ?? "all") is not supported (over [2, 3] it is)")
        }
        if try attributes.int("keepdims", default: 1) == 1 {
            try define(node, .node(append(.globalAveragePool, [source], node)))
        } else {
            let pooled = try append(.globalAveragePool, [source], name: node.output[0] + ".pool")
            try define(node, .node(append(.flatten, [pooled], node)))
        }
    }
}
