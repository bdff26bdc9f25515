/// One tensor of a checkpoint, in C order, converted to Float. `dtype` is the stored type's torch
/// name ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
/// "uint8", "bool").
public struct StoredTensor: Sendable {
    public let shape: [Int]
    public let values: [Float]
    public let dtype: String

    /// `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float], dtype: String = "float32") {
        precondition(shape.reduce(1, *) == values.count, "shape \(formatShape(shape)) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
        self.dtype = dtype
    }
}

/// The named tensors of one checkpoint file.
public struct StateDict: Sendable {
    /// The file they were read from, for error messages.
    public let path: String
    public let tensors: [String: StoredTensor]
    /// The tensor names in file order.
    public let names: [String]

    /// `entries` in order; names must be unique.
    public init(path: String, entries: [(name: String, tensor: StoredTensor)]) {
        self.path = path
        tensors = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.tensor) })
        names = entries.map(\.name)
    }

    /// The tensor called `name`, checked against `shape` when one is given and checked finite. The
    /// error names the file and the tensor, suggests close names for a typo, gives both shapes on
    /// a mismatch, and the first NaN or infinity.
    public func tensor(_ name: String, shape: [Int]? = nil) throws -> StoredTensor {
        guard let tensor = tensors[name] else {
            let close = closeNames(to: name, among: names)
            let hint = close.isEmpty ? "no similar name" : "did you mean " + close.map { "'\($0)'" }.joined(separator: ", ") + "?"
            throw CheckpointError(file: path, problem: "no tensor '\(name)' among its \(names.count) tensors; \(hint)")
        }
        if let shape, shape != tensor.shape {
            throw CheckpointError(file: path, problem: "tensor '\(name)' has shape \(formatShape(tensor.shape)), expected \(formatShape(shape))")
        }
        if let bad = tensor.values.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError(file: path, problem: "tensor '\(name)' holds \(tensor.values[bad]) at index \(bad): weights must be finite")
        }
        return tensor
    }
}
