/// The element types a PyTorch storage (or a safetensors entry) can hold and that are read here,
/// all converted to `Float` on loading. `rawValue` is torch's dtype name, kept on `StoredTensor`.
enum StorageDType: String, Sendable, CaseIterable {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    /// Bytes per element.
    var size: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    /// The class name pickles use for this storage type (`torch.FloatStorage`, ...).
    var storageClassName: String {
        switch self {
        case .float32: "FloatStorage"
        case .float64: "DoubleStorage"
        case .float16: "HalfStorage"
        case .bfloat16: "BFloat16Storage"
        case .int64: "LongStorage"
        case .int32: "IntStorage"
        case .int16: "ShortStorage"
        case .int8: "CharStorage"
        case .uint8: "ByteStorage"
        case .bool: "BoolStorage"
        }
    }

    /// The dtype code in a safetensors header.
    var safetensorsCode: String {
        switch self {
        case .float32: "F32"
        case .float64: "F64"
        case .float16: "F16"
        case .bfloat16: "BF16"
        case .int64: "I64"
        case .int32: "I32"
        case .int16: "I16"
        case .int8: "I8"
        case .uint8: "U8"
        case .bool: "BOOL"
        }
    }

    init?(storageClassName: String) {
        guard let match = Self.allCases.first(where: { $0.storageClassName == storageClassName }) else { return nil }
        self = match
    }

    init?(safetensorsCode: String) {
        guard let match = Self.allCases.first(where: { $0.safetensorsCode == safetensorsCode }) else { return nil }
        self = match
    }

    /// The little-endian element at `index` of `base`, as a Float.
    @inline(__always)
    func load(_ base: UnsafeRawPointer, _ index: Int) -> Float {
        let at = base + index * size
        switch self {
        case .float32: return Float(bitPattern: UInt32(littleEndian: at.loadUnaligned(as: UInt32.self)))
        case .float64: return Float(Double(bitPattern: UInt64(littleEndian: at.loadUnaligned(as: UInt64.self))))
        case .float16: return Float(Float16(bitPattern: UInt16(littleEndian: at.loadUnaligned(as: UInt16.self))))
        case .bfloat16: return Float(bitPattern: UInt32(UInt16(littleEndian: at.loadUnaligned(as: UInt16.self))) << 16)
        case .int64: return Float(Int64(littleEndian: at.loadUnaligned(as: Int64.self)))
        case .int32: return Float(Int32(littleEndian: at.loadUnaligned(as: Int32.self)))
        case .int16: return Float(Int16(littleEndian: at.loadUnaligned(as: Int16.self)))
        case .int8: return Float(at.load(as: Int8.self))
        case .uint8: return Float(at.load(as: UInt8.self))
        case .bool: return at.load(as: UInt8.self) == 0 ? 0 : 1
        }
    }
}
