import Foundation

/// A tensor whose values are known when the model is loaded: an initializer (weights), a
/// `Constant` node, or the result of folding the shape arithmetic exporters emit.
struct Constant: Sendable, Equatable {
    var shape: [Int]
    var values: Values

    /// Floating-point data (weights) as Float, integer and boolean data (shapes, indices) as Int.
    enum Values: Sendable, Equatable {
        case floats([Float])
        case integers([Int])
    }

    init(shape: [Int], values: Values) {
        (self.shape, self.values) = (shape, values)
    }

    init(shape: [Int], floats: [Float]) {
        self.init(shape: shape, values: .floats(floats))
    }

    init(shape: [Int], integers: [Int]) {
        self.init(shape: shape, values: .integers(integers))
    }

    var count: Int {
        switch values {
        case .floats(let floats): floats.count
        case .integers(let integers): integers.count
        }
    }

    /// The values as Float (integers converted).
    var floats: [Float] {
        switch values {
        case .floats(let floats): floats
        case .integers(let integers): integers.map(Float.init)
        }
    }

    /// The values as integers, or nil for floating-point data with a fractional part.
    var integers: [Int]? {
        switch values {
        case .integers(let integers):
            return integers
        case .floats(let floats):
            guard floats.allSatisfy({ $0.isFinite && $0.rounded() == $0 && abs($0) < 1e15 }) else { return nil }
            return floats.map { Int($0) }
        }
    }

    /// The single value of a scalar or one-element tensor.
    var scalar: Float? {
        count == 1 ? floats[0] : nil
    }
}

extension Onnx_TensorProto {
    /// The element count of `dims`, or nil when a dimension is negative or the product overflows
    /// or exceeds `limit`.
    static func elementCount(_ dims: [Int64], limit: Int = 1 << 31) -> Int? {
        var count = 1
        for dim in dims {
            guard dim >= 0, dim <= Int64(limit) else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
            guard !overflow, product <= limit else { return nil }
            count = product
        }
        return count
    }
}

/// Decodes the values of a `TensorProto` whose bytes (inline or external) are at hand.
enum TensorDecoding {
    /// `tensor`'s values; `raw` is its raw bytes (inline `raw_data`, or read from its external
    /// file), nil when the values are in the typed fields. `what` names the tensor in errors.
    static func constant(_ tensor: Onnx_TensorProto, raw: Data?, what: String) throws -> Constant {
        guard let count = Onnx_TensorProto.elementCount(tensor.dims) else {
            throw ONNXError("\(what): dimensions \(tensor.dims) are negative or too large")
        }
        let shape = tensor.dims.map { Int($0) }
        func rawValues<T>(_ type: T.Type) throws -> [T] {
            guard let raw else { throw ONNXError("\(what): no data") }
            let size = MemoryLayout<T>.size
            guard raw.count == count * size else {
                throw ONNXError("\(what): \(raw.count) bytes of data for \(count) elements of \(size) bytes (shape \(shape))")
            }
            return raw.withUnsafeBytes { bytes in (0..<count).map { bytes.loadUnaligned(fromByteOffset: $0 * size, as: T.self) } }
        }
        func typed<T>(_ values: [T], _ field: String) throws -> [T] {
            guard values.count == count else {
                throw ONNXError("\(what): \(values.count) values in \(field) for shape \(shape) (\(count) elements)")
            }
            return values
        }
        let hasRaw = raw != nil
        switch Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType)) {
        case .float:
            return Constant(shape: shape, floats: hasRaw ? try rawValues(Float.self) : try typed(tensor.floatData, "float_data"))
        case .double:
            let values = hasRaw ? try rawValues(Double.self) : try typed(tensor.doubleData, "double_data")
            return Constant(shape: shape, floats: values.map { Float($0) })
        case .float16:
            let bits = hasRaw ? try rawValues(UInt16.self) : try typed(tensor.int32Data, "int32_data").map { UInt16(truncatingIfNeeded: $0) }
            return Constant(shape: shape, floats: bits.map { Float(Float16(bitPattern: $0)) })
        case .int64:
            let values = hasRaw ? try rawValues(Int64.self) : try typed(tensor.int64Data, "int64_data")
            return Constant(shape: shape, integers: values.map { Int($0) })
        case .int32:
            let values = hasRaw ? try rawValues(Int32.self) : try typed(tensor.int32Data, "int32_data")
            return Constant(shape: shape, integers: values.map { Int($0) })
        case .int8:
            let values = hasRaw ? try rawValues(Int8.self).map(Int.init) : try typed(tensor.int32Data, "int32_data").map(Int.init)
            return Constant(shape: shape, integers: values)
        case .uint8, .bool:
            let values = hasRaw ? try rawValues(UInt8.self).map(Int.init) : try typed(tensor.int32Data, "int32_data").map(Int.init)
            return Constant(shape: shape, integers: values)
        case .int16:
            let values = hasRaw ? try rawValues(Int16.self).map(Int.init) : try typed(tensor.int32Data, "int32_data").map(Int.init)
            return Constant(shape: shape, integers: values)
        default:
            throw ONNXError("\(what): data type \(dataTypeName(tensor.dataType)) is not supported "
                + "(float, double, float16 and integer tensors are)")
        }
    }

    /// The name of an ONNX data type number.
    static func dataTypeName(_ type: Int32) -> String {
        Onnx_TensorProto.DataType(rawValue: Int(type)).map { "\($0)" } ?? "\(type)"
    }
}
