/// A storage as a persistent id names it: `('storage', torch.FloatStorage, key, location, numel)`
/// (zip format), with a sixth item in the legacy format: `None`, or `(view_key, offset, size)`
/// when the tensor's storage is a view of part of the saved one.
struct StorageReference {
    /// The key of the saved storage (a file name in the zip format).
    let key: String
    let dtype: StorageDType
    /// Elements in the saved storage.
    let count: Int
    /// The elements of the saved storage that this reference sees.
    let window: Range<Int>
}

extension StorageReference {
    /// The saved storage's size in bytes.
    func byteCount() throws -> Int {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw FormatProblem("storage '\(key)': \(count) elements is too many") }
        return bytes
    }

    init(persistentID: PickleValue) throws {
        guard let items = persistentID.tupleItems, items.count == 5 || items.count == 6,
              case .string("storage") = items[0] else {
            throw FormatProblem("unsupported persistent id \(persistentID.typeName) (expected ('storage', type, key, location, numel))")
        }
        guard case .global(.storageType(let dtype)) = items[1] else {
            throw FormatProblem("persistent id names \(items[1].typeName) as its storage type, expected a torch.*Storage class")
        }
        let key: String
        switch items[2] {
        case .string(let text): key = text
        case .int(let number): key = String(number)
        default: throw FormatProblem("storage key is \(items[2].typeName), expected str")
        }
        guard case .int(let count) = items[4], count >= 0 else {
            throw FormatProblem("storage '\(key)': element count is \(items[4].typeName), expected a non-negative int")
        }
        self.key = key
        self.dtype = dtype
        self.count = count
        window = try Self.window(items.count == 6 ? items[5] : .none, key: key, count: count)
    }

    private static func window(_ view: PickleValue, key: String, count: Int) throws -> Range<Int> {
        switch view {
        case .none:
            return 0..<count
        case .tuple(let view) where view.items.count == 3:
            let parts = view.items
            guard case .int(let offset) = parts[1], case .int(let size) = parts[2],
                  offset >= 0, size >= 0, offset <= count, size <= count - offset else {
                throw FormatProblem("storage '\(key)': view \(parts.map(\.typeName)) does not lie within its \(count) elements")
            }
            return offset..<offset + size
        default:
            throw FormatProblem("storage '\(key)': view metadata is \(view.typeName), expected None or (key, offset, size)")
        }
    }
}

/// A tensor as `_rebuild_tensor_v2` describes it: elements `offset + sum(index[i] * stride[i])`
/// of its storage's window, for every index within `shape`.
struct TensorReference {
    let storage: StorageReference
    let offset: Int
    let shape: [Int]
    let stride: [Int]

    /// From `(storage, offset, size, stride, ...)`.
    init(arguments: [PickleValue]) throws {
        guard case .storage(let storage) = arguments[0] else {
            throw FormatProblem("tensor rebuilt from \(arguments[0].typeName), expected a storage")
        }
        guard case .int(let offset) = arguments[1], offset >= 0 else {
            throw FormatProblem("tensor storage offset is not a non-negative int (\(arguments[1].typeName))")
        }
        let shape = try Self.integers(arguments[2], "size")
        let stride = try Self.integers(arguments[3], "stride")
        guard shape.count == stride.count else {
            throw FormatProblem("tensor size \(formatShape(shape)) and stride \(formatShape(stride)) differ in length")
        }
        guard shape.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }) else {
            throw FormatProblem("tensor size \(formatShape(shape)) or stride \(formatShape(stride)) is negative")
        }
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.stride = stride
    }

    init(storage: StorageReference, offset: Int, shape: [Int], stride: [Int]) {
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.stride = stride
    }

    private static func integers(_ value: PickleValue, _ what: String) throws -> [Int] {
        guard let items = value.tupleItems else {
            throw FormatProblem("tensor \(what) is \(value.typeName), expected a tuple of ints")
        }
        return try items.map {
            guard case .int(let number) = $0 else {
                throw FormatProblem("tensor \(what) holds \($0.typeName), expected ints")
            }
            return number
        }
    }
}

/// A shape the way Python prints a tuple: `(32, 3, 3, 3)`, `(1280,)`, `()`.
func formatShape(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
