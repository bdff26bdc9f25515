/// An n-dimensional array of Float in plain row-major order (NCHW for images and activations,
/// OIHW for convolution weights). This is the layout at the edges of the engine; inside a running
/// graph, activations live in whatever layout oneDNN picks.
public struct Tensor: Sendable, Equatable {
    public let shape: [Int]
    public private(set) var values: [Float]

    /// A tensor with the given values, which must fill the shape exactly.
    public init(shape: [Int], values: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError("tensor shape \(shape) has a negative dimension")
        }
        guard shape.reduce(1, *) == values.count else {
            throw TensorError("tensor shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        }
        self.shape = shape
        self.values = values
    }

    /// A tensor filled with one value.
    public init(shape: [Int], repeating value: Float = 0) {
        self.shape = shape.map { max($0, 0) }
        self.values = [Float](repeating: value, count: self.shape.reduce(1, *))
    }

    public var rank: Int { shape.count }
    public var count: Int { values.count }

    /// Element at a full index (one coordinate per dimension).
    public subscript(_ index: Int...) -> Float {
        get { values[offset(index)] }
        set { values[offset(index)] = newValue }
    }

    private func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for a tensor of shape \(shape)")
        var flat = 0
        for (i, n) in zip(index, shape) {
            precondition(i >= 0 && i < n, "index \(index) outside shape \(shape)")
            flat = flat * n + i
        }
        return flat
    }

    /// Items `range` along the first (batch) dimension.
    public func batchItems(_ range: Range<Int>) throws -> Tensor {
        guard let batch = shape.first, range.lowerBound >= 0, range.upperBound <= batch else {
            throw TensorError("batch items \(range) outside a tensor of shape \(shape)")
        }
        let itemSize = shape.dropFirst().reduce(1, *)
        return try Tensor(shape: [range.count] + shape.dropFirst(),
                          values: Array(values[range.lowerBound * itemSize..<range.upperBound * itemSize]))
    }

    /// Concatenates tensors along the first (batch) dimension: shapes [n_i, rest...] give
    /// [sum n_i, rest...].
    public static func concatenatingBatches(_ parts: [Tensor]) throws -> Tensor {
        guard let first = parts.first else { throw TensorError("cannot concatenate an empty list of tensors") }
        let rest = Array(first.shape.dropFirst())
        for part in parts where Array(part.shape.dropFirst()) != rest || part.rank != first.rank {
            throw TensorError("cannot concatenate tensors of shapes \(first.shape) and \(part.shape) along the batch")
        }
        let batch = parts.reduce(0) { $0 + ($1.shape.first ?? 0) }
        return try Tensor(shape: [batch] + rest, values: parts.flatMap(\.values))
    }
}
