/// A node's attributes, read by name with the type the operator defines; errors name the node.
struct NodeAttributes {
    let node: Onnx_NodeProto
    /// The node as errors name it: file, node name, operator and opset.
    let what: String

    private func attribute(_ name: String) -> Onnx_AttributeProto? {
        node.attribute.first { $0.name == name }
    }

    func has(_ name: String) -> Bool {
        attribute(name) != nil
    }

    func int(_ name: String, default value: Int) throws -> Int {
        guard let attribute = attribute(name) else { return value }
        guard attribute.type == .int || attribute.hasI else { throw ONNXError("\(what): attribute '\(name)' must be an integer") }
        guard abs(attribute.i) < 1 << 40 else { throw ONNXError("\(what): attribute '\(name)' is \(attribute.i), out of range") }
        return Int(attribute.i)
    }

    func ints(_ name: String) throws -> [Int]? {
        guard let attribute = attribute(name) else { return nil }
        guard attribute.type == .ints || attribute.type == .undefined else {
            throw ONNXError("\(what): attribute '\(name)' must be a list of integers")
        }
        guard attribute.ints.allSatisfy({ abs($0) < 1 << 62 }) else { throw ONNXError("\(what): attribute '\(name)' is out of range") }
        return attribute.ints.map { Int($0) }
    }

    func float(_ name: String, default value: Float) throws -> Float {
        guard let attribute = attribute(name) else { return value }
        guard attribute.type == .float || attribute.hasF else { throw ONNXError("\(what): attribute '\(name)' must be a number") }
        guard attribute.f.isFinite else { throw ONNXError("\(what): attribute '\(name)' is \(attribute.f), expected a finite number") }
        return attribute.f
    }

    func string(_ name: String) -> String? {
        attribute(name).map { String(decoding: $0.s, as: UTF8.self) }
    }

    func tensor(_ name: String) -> Onnx_TensorProto? {
        guard let attribute = attribute(name), attribute.hasT else { return nil }
        return attribute.t
    }

    /// The attribute's value for `Constant` nodes: any of value, value_float(s), value_int(s).
    func constantValue(decode: (Onnx_TensorProto) throws -> Constant) throws -> Constant {
        if let tensor = tensor("value") { return try decode(tensor) }
        if let attribute = attribute("value_float") { return Constant(shape: [], floats: [attribute.f]) }
        if let attribute = attribute("value_floats") { return Constant(shape: [attribute.floats.count], floats: attribute.floats) }
        if let attribute = attribute("value_int") { return Constant(shape: [], integers: [Int(attribute.i)]) }
        if let attribute = attribute("value_ints") {
            return Constant(shape: [attribute.ints.count], integers: attribute.ints.map { Int($0) })
        }
        throw ONNXError("\(what): a Constant with no value, value_float(s) or value_int(s) attribute (sparse and string constants are not supported)")
    }
}
