import Foundation

/// The safetensors format: an unsigned 64-bit little-endian header length, a JSON header
/// `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`,
/// then the raw little-endian data, offsets counted from the end of the header. Tensors are
/// C-contiguous; names are returned in data order.
enum SafetensorsFile {
    /// A safetensors file starts with its header length, then the header's opening brace.
    static func looksLikeSafetensors(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 10 && bytes[8] == UInt8(ascii: "{")
    }

    static func read(_ bytes: UnsafeRawBufferPointer) throws -> [(String, StoredTensor)] {
        var reader = ByteReader(bytes)
        let headerLength = Int(clamping: try reader.integer(UInt64.self, .little, "the safetensors header length"))
        let header = try reader.take(headerLength, "the safetensors header")
        let data = UnsafeRawBufferPointer(rebasing: bytes[reader.position...])
        guard let json = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any] else {
            throw FormatProblem("safetensors header is not a JSON object")
        }
        var located: [(name: String, tensor: TensorReference, bytes: Range<Int>)] = []
        for (name, description) in json where name != "__metadata__" {
            let (tensor, range) = try within("tensor '\(name)'") { try entry(name, description, dataCount: data.count) }
            located.append((name, tensor, range))
        }
        located.sort { ($0.bytes.lowerBound, $0.name) < ($1.bytes.lowerBound, $1.name) }
        let ranges = Dictionary(uniqueKeysWithValues: located.map { ($0.name, $0.bytes) })
        return try readTensors(located.map { ($0.name, $0.tensor) }, byteOrder: .little) { storage in
            UnsafeRawBufferPointer(rebasing: data[ranges[storage.key] ?? 0..<0])
        }
    }

    /// One header entry as a contiguous tensor whose storage (keyed by the tensor's name) is
    /// its byte range of the data.
    private static func entry(_ name: String, _ description: Any, dataCount: Int) throws -> (TensorReference, Range<Int>) {
        guard let fields = description as? [String: Any],
              let code = fields["dtype"] as? String,
              let shape = fields["shape"] as? [Int],
              let offsets = fields["data_offsets"] as? [Int], offsets.count == 2 else {
            throw FormatProblem("expected {\"dtype\": str, \"shape\": [int], \"data_offsets\": [begin, end]}")
        }
        guard let dtype = StorageDType(safetensorsCode: code) else {
            throw FormatProblem("unsupported dtype '\(code)'")
        }
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard size >= 0, !overflow else { throw FormatProblem("bad shape \(formatShape(shape))") }
            count = product
        }
        let (begin, end) = (offsets[0], offsets[1])
        let needed = count.multipliedReportingOverflow(by: dtype.size)
        guard 0 <= begin, begin <= end, end <= dataCount, !needed.overflow, end - begin == needed.partialValue else {
            throw FormatProblem("data_offsets [\(begin), \(end)] do not hold \(count) \(dtype.rawValue) elements within the \(dataCount) data bytes")
        }
        var stride = [Int](repeating: 1, count: shape.count)
        for axis in stride.indices.dropLast().reversed() {
            // Can overflow where the count did not: an empty tensor, (0, 2^62, 2^62).
            let (product, overflow) = stride[axis + 1].multipliedReportingOverflow(by: shape[axis + 1])
            guard !overflow else { throw FormatProblem("bad shape \(formatShape(shape))") }
            stride[axis] = product
        }
        let storage = StorageReference(key: name, dtype: dtype, count: count, window: 0..<count)
        return (TensorReference(storage: storage, offset: 0, shape: shape, stride: stride), begin..<end)
    }
}
