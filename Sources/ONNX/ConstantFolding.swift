/// Folding at load: operators whose inputs are all known (weights, shapes) computed once, as
/// numpy would, so that the graph keeps only what depends on the image. Exporters emit such
/// arithmetic for the target shapes of Reshape and Pad.
extension GraphImporter {
    /// Folded values for shape arithmetic on constants (and `Shape` of any tensor), or nil when the
    /// operator is not one folded here.
    func fold(_ node: Onnx_NodeProto, inputs: [Value?], attributes: NodeAttributes) throws -> Constant? {
        let what = attributes.what
        func constant(_ position: Int) throws -> Constant? {
            try constantInput(inputs, position, node, required: false)
        }
        func required(_ position: Int) throws -> Constant {
            guard let value = try constant(position) else { throw ONNXError("\(what): input \(position) is missing") }
            return value
        }
        func integers(_ value: Constant, _ role: String) throws -> [Int] {
            guard let integers = value.integers else { throw ONNXError("\(what): \(role) must be integers") }
            return integers
        }
        switch node.opType {
        case "Constant":
            return try attributes.constantValue { try TensorDecoding.constant($0, raw: $0.hasRawData ? $0.rawData : nil, what: what) }
        case "Identity", "Dropout":
            return try required(0)
        case "Shape":
            let full: [Int]
            switch inputs.first ?? nil {
            case .node(let id)?: full = [Self.batchSize] + shape(of: id).dropFirst()
            case .constant(let value)?: full = value.shape
            case nil: throw ONNXError("\(what): input 0 is missing")
            }
            let rank = full.count
            func clamp(_ axis: Int) -> Int { min(max(axis < 0 ? axis + rank : axis, 0), rank) }
            let start = clamp(try attributes.int("start", default: 0)), end = clamp(try attributes.int("end", default: rank))
            let part = start < end ? Array(full[start..<end]) : []
            return Constant(shape: [part.count], integers: part)
        case "Cast":
            let value = try required(0), to = try attributes.int("to", default: 1)
            switch Onnx_TensorProto.DataType(rawValue: to) {
            case .float, .double, .float16: return Constant(shape: value.shape, floats: value.floats)
            case .int64, .int32, .int16, .int8, .uint8:
                guard value.floats.allSatisfy({ $0.isFinite && abs($0) < 1e15 }) else { throw ONNXError("\(what): cannot cast to an integer") }
                return Constant(shape: value.shape, integers: value.floats.map { Int($0) })
            case .bool: return Constant(shape: value.shape, integers: value.floats.map { $0 != 0 ? 1 : 0 })
            default: throw ONNXError("\(what): cast to \(TensorDecoding.dataTypeName(Int32(to))) is not supported")
            }
        case "ConstantOfShape":
            let dims = try integers(try required(0), "the shape")
            let count = try foldedCount(dims, what: what)
            let fill = try attributes.tensor("value").map { try TensorDecoding.constant($0, raw: $0.hasRawData ? $0.rawData : nil, what: what) }
                ?? Constant(shape: [1], floats: [0])
            guard fill.count == 1 else { throw ONNXError("\(what): 'value' must hold one element") }
            switch fill.values {
            case .floats(let values): return Constant(shape: dims, floats: Array(repeating: values[0], count: count))
            case .integers(let values): return Constant(shape: dims, integers: Array(repeating: values[0], count: count))
            }
        case "Gather":
            return try gather(try required(0), indices: try integers(try required(1), "indices"),
                              indicesShape: try required(1).shape, axis: try attributes.int("axis", default: 0), what: what)
        case "Slice":
            let data = try required(0)
            let starts = try integers(try required(1), "starts"), ends = try integers(try required(2), "ends")
            let axes = try constant(3).map { try integers($0, "axes") } ?? Array(0..<starts.count)
            let steps = try constant(4).map { try integers($0, "steps") } ?? Array(repeating: 1, count: starts.count)
            return try slice(data, starts: starts, ends: ends, axes: axes, steps: steps, what: what)
        case "Concat":
            let parts = try inputs.indices.map { try required($0) }
            return try concatenate(parts, axis: try attributes.int("axis", default: 0), what: what)
        case "Unsqueeze", "Squeeze":
            let value = try required(0)
            let axes = file.opset >= 13 ? try constant(1).map { try integers($0, "axes") } : try attributes.ints("axes")
            return Constant(shape: try squeezed(value.shape, axes: axes, unsqueeze: node.opType == "Unsqueeze", what: what),
                            values: value.values)
        case "Reshape":
            let value = try required(0)
            let target = try integers(try required(1), "the shape")
            return Constant(shape: try reshaped(value.shape, to: target, allowZero: try attributes.int("allowzero", default: 0) == 1,
                                                what: what), values: value.values)
        case "Add", "Sub", "Mul", "Div":
            return try elementwise(node.opType, try required(0), try required(1), what: what)
        default:
            return nil
        }
    }

    private func gather(_ data: Constant, indices: [Int], indicesShape: [Int], axis: Int, what: String) throws -> Constant {
        let rank = data.shape.count
        let axis = axis < 0 ? axis + rank : axis
        guard rank > 0, (0..<rank).contains(axis) else { throw ONNXError("\(what): axis out of range for shape \(data.shape)") }
        let shape = Array(data.shape[..<axis]) + indicesShape + Array(data.shape[(axis + 1)...])
        _ = try foldedCount(shape, what: what)
        let outer = data.shape[..<axis].reduce(1, *), inner = data.shape[(axis + 1)...].reduce(1, *), size = data.shape[axis]
        let wrapped = try indices.map { index -> Int in
            let wrapped = index < 0 ? index + size : index
            guard (0..<size).contains(wrapped) else { throw ONNXError("\(what): index \(index) out of range for \(size)") }
            return wrapped
        }
        var order: [Int] = []
        for o in 0..<outer { for index in wrapped { for i in 0..<inner { order.append((o * size + index) * inner + i) } } }
        return pick(data, order, shape: shape)
    }

    private func slice(_ data: Constant, starts: [Int], ends: [Int], axes: [Int], steps: [Int], what: String) throws -> Constant {
        let rank = data.shape.count
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw ONNXError("\(what): starts, ends, axes and steps differ in length")
        }
        var ranges = data.shape.map { Array(0..<$0) }
        for (position, axis) in axes.enumerated() {
            let axis = axis < 0 ? axis + rank : axis
            guard (0..<rank).contains(axis) else { throw ONNXError("\(what): axis \(axes[position]) out of range") }
            let size = data.shape[axis], step = steps[position]
            guard step != 0 else { throw ONNXError("\(what): a step of 0") }
            func clamp(_ value: Int, _ low: Int, _ high: Int) -> Int { min(max(value < 0 ? value + size : value, low), high) }
            if step > 0 {
                let start = clamp(starts[position], 0, size), end = clamp(ends[position], 0, size)
                ranges[axis] = start < end ? Array(stride(from: start, to: end, by: step)) : []
            } else {
                let start = clamp(starts[position], -1, size - 1), end = clamp(ends[position], -1, size - 1)
                ranges[axis] = start > end ? Array(stride(from: start, to: end, by: step)) : []
            }
        }
        var order = [0]
        for axis in 0..<rank {
            order = order.flatMap { base in ranges[axis].map { base * data.shape[axis] + $0 } }
        }
        if rank == 0 { order = [0] }
        return pick(data, order, shape: ranges.map(\.count))
    }

    private func concatenate(_ parts: [Constant], axis: Int, what: String) throws -> Constant {
        guard let first = parts.first else { throw ONNXError("\(what): no inputs") }
        let rank = first.shape.count, axis = axis < 0 ? axis + rank : axis
        guard (0..<rank).contains(axis), parts.allSatisfy({ $0.shape.count == rank
            && $0.shape.enumerated().allSatisfy { $0.offset == axis || $0.element == first.shape[$0.offset] } }) else {
            throw ONNXError("\(what): cannot concatenate shapes \(parts.map(\.shape)) along axis \(axis)")
        }
        let outer = first.shape[..<axis].reduce(1, *)
        var floats: [Float] = [], integers: [Int] = []
        let allIntegers = parts.allSatisfy { if case .integers = $0.values { true } else { false } }
        for o in 0..<outer {
            for part in parts {
                let run = part.shape[axis...].reduce(1, *)
                if allIntegers { integers += part.integers![o * run..<(o + 1) * run] } else { floats += part.floats[o * run..<(o + 1) * run] }
            }
        }
        var shape = first.shape
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        return allIntegers ? Constant(shape: shape, integers: integers) : Constant(shape: shape, floats: floats)
    }

    /// Numpy broadcasting arithmetic; integer division truncates, as ONNX's does.
    private func elementwise(_ operation: String, _ a: Constant, _ b: Constant, what: String) throws -> Constant {
        let rank = max(a.shape.count, b.shape.count)
        let aShape = Array(repeating: 1, count: rank - a.shape.count) + a.shape
        let bShape = Array(repeating: 1, count: rank - b.shape.count) + b.shape
        var shape: [Int] = []
        for (x, y) in zip(aShape, bShape) {
            guard x == y || x == 1 || y == 1 else { throw ONNXError("\(what): cannot broadcast \(a.shape) with \(b.shape)") }
            shape.append(x == 1 ? y : x)
        }
        let count = try foldedCount(shape, what: what)
        func index(_ flat: Int, _ of: [Int]) -> Int {
            var remainder = flat, result = 0, step = 1
            for axis in (0..<rank).reversed() {
                let coordinate = remainder % shape[axis]
                remainder /= shape[axis]
                if of[axis] != 1 { result += coordinate * step }
                step *= of[axis]
            }
            return result
        }
        if let x = a.integers, let y = b.integers, case .integers = a.values, case .integers = b.values {
            let values = try (0..<count).map { i -> Int in
                let (p, q) = (x[index(i, aShape)], y[index(i, bShape)])
                switch operation {
                case "Add": return p &+ q
                case "Sub": return p &- q
                case "Mul": return p &* q
                default:
                    guard q != 0 else { throw ONNXError("\(what): integer division by zero") }
                    return p / q
                }
            }
            return Constant(shape: shape, integers: values)
        }
        let (x, y) = (a.floats, b.floats)
        return Constant(shape: shape, floats: (0..<count).map { i in
            let (p, q) = (x[index(i, aShape)], y[index(i, bShape)])
            switch operation {
            case "Add": return p + q
            case "Sub": return p - q
            case "Mul": return p * q
            default: return p / q
            }
        })
    }

    /// The element count of a folded result of `shape`, refused above 2^24 elements: shape
    /// arithmetic is small, and a hostile file must not make the loader allocate without bound.
    private func foldedCount(_ shape: [Int], what: String) throws -> Int {
        guard let count = Onnx_TensorProto.elementCount(shape.map(Int64.init), limit: 1 << 24) else {
            throw ONNXError("\(what): a folded constant of shape \(shape) is negative or larger than 2^24 elements")
        }
        return count
    }

    private func pick(_ data: Constant, _ order: [Int], shape: [Int]) -> Constant {
        switch data.values {
        case .floats(let values): Constant(shape: shape, floats: order.map { values[$0] })
        case .integers(let values): Constant(shape: shape, integers: order.map { values[$0] })
        }
    }

    /// `shape` with `axes` removed (all size-1 axes when nil) or inserted.
    func squeezed(_ shape: [Int], axes: [Int]?, unsqueeze: Bool, what: String) throws -> [Int] {
        if unsqueeze {
            guard let axes else { throw ONNXError("\(what): Unsqueeze needs axes") }
            let rank = shape.count + axes.count
            let normalized = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            guard normalized.count == axes.count, normalized.allSatisfy({ (0..<rank).contains($0) }) else {
                throw ONNXError("\(what): axes \(axes) out of range for a result of rank \(rank)")
            }
            var rest = shape[...]
            return (0..<rank).map { normalized.contains($0) ? 1 : rest.popFirst()! }
        }
        let rank = shape.count
        let normalized = Set((axes ?? shape.indices.filter { shape[$0] == 1 }).map { $0 < 0 ? $0 + rank : $0 })
        guard normalized.allSatisfy({ (0..<rank).contains($0) && shape[$0] == 1 }) else {
            throw ONNXError("\(what): cannot squeeze axes \(axes ?? []) of shape \(shape)")
        }
        return shape.indices.filter { !normalized.contains($0) }.map { shape[$0] }
    }

    /// ONNX Reshape's target: 0 copies the input's dimension (unless `allowZero`), -1 is inferred.
    func reshaped(_ shape: [Int], to target: [Int], allowZero: Bool, what: String) throws -> [Int] {
        let count = shape.reduce(1, *)
        var result = try target.enumerated().map { axis, dim -> Int in
            if dim == 0 && !allowZero {
                guard axis < shape.count else { throw ONNXError("\(what): target \(target) copies a dimension the input \(shape) lacks") }
                return shape[axis]
            }
            guard dim >= -1 else { throw ONNXError("\(what): target dimension \(dim)") }
            return dim
        }
        if let inferred = result.firstIndex(of: -1) {
            let known = result.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0 else { throw ONNXError("\(what): cannot reshape \(shape) to \(target)") }
            result[inferred] = count / known
        }
        guard result.reduce(1, *) == count else { throw ONNXError("\(what): cannot reshape \(shape) (\(count) elements) to \(target)") }
        return result
    }
}
