import Foundation

/// A float32 array as numpy stores it in a `.npy` file (C order).
public struct NPYArray: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// Rows and columns of a 2-D array.
    public var rows: Int { shape.first ?? 0 }
    public var columns: Int { shape.count > 1 ? shape[1...].reduce(1, *) : 1 }
}

/// A `.npy` file that cannot be read, with the reason.
public struct NPYError: FileProblem {
    public let file: String
    public let problem: String
}

/// Reading and writing numpy's `.npy` format (version 1-3), float32, float64, float16, integer
/// and bool inputs are read as Float; writing is always little-endian float32 in C order.
public enum NPY {
    public static func read(_ path: String) throws -> NPYArray {
        try decode(RegularFile.read(path, kind: ".npy array", limit: RegularFile.arrayLimit), path: path)
    }

    public static func decode(_ data: Data, path: String = "<data>") throws -> NPYArray {
        // The header is read from a copy of the first bytes, the values straight from `data`: a
        // copy of the whole file would double the peak memory of loading a large array.
        let total = data.count
        let bytes = [UInt8](data.prefix(12))
        func fail(_ reason: String) -> NPYError { NPYError(file: path, problem: reason) }
        guard total >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw fail("not a .npy file (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard total >= 12 else { throw fail("truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }; headerStart = 12
        default: throw fail("unsupported .npy version \(major)")
        }
        guard total >= headerStart + headerLength else { throw fail("truncated header") }
        let headerBytes = data.dropFirst(headerStart).prefix(headerLength)
        guard let header = String(bytes: headerBytes, encoding: .utf8) else {
            throw fail("header is not text")
        }
        let descr = try field("descr", in: header, path: path)
        let fortran = try field("fortran_order", in: header, path: path)
        let shapeText = try field("shape", in: header, path: path)
        guard fortran.hasPrefix("False") else { throw fail("Fortran-order arrays are not supported; save with np.ascontiguousarray") }
        let shape = try shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { part -> Int in
                guard let n = Int(part), n >= 0 else { throw fail("bad shape \(shapeText)") }
                return n
            }
        let dtype = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        let body = headerStart + headerLength
        guard let kind = ElementKind(dtype) else { throw fail("unsupported dtype \(dtype); expected float32 ('<f4')") }
        // The element count and byte size, refusing a shape whose size overflows (a corrupt or
        // hostile header) before anything is allocated.
        var count = 1
        for n in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw fail("shape \(shapeText) has more elements than can be addressed") }
            count = product
        }
        let (size, overflow) = count.multipliedReportingOverflow(by: kind.size)
        guard !overflow, total - body >= size else {
            throw fail("truncated data: shape \(shape) needs \(overflow ? "more" : "\(size)") bytes of \(dtype), the file has \(total - body)")
        }
        let values = data.withUnsafeBytes { buffer in
            (0..<count).map { kind.load(buffer.baseAddress! + body + $0 * kind.size) }
        }
        return NPYArray(shape: shape, values: values)
    }

    /// Encodes as little-endian float32, C order.
    public static func encode(_ array: NPYArray) -> Data {
        let shapeText = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        array.values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        return data
    }

    /// Writes atomically (temporary file, then rename).
    public static func write(_ array: NPYArray, to path: String) throws {
        try writeAtomically(encode(array), to: path)
    }

    private static func field(_ name: String, in header: String, path: String) throws -> String {
        guard let range = header.range(of: "'\(name)':") else {
            throw NPYError(file: path, problem: "header has no '\(name)'")
        }
        var rest = header[range.upperBound...].drop(while: { $0 == " " })
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw NPYError(file: path, problem: "bad \(name)") }
            return String(rest[...close])
        }
        rest = rest.prefix(while: { $0 != "," && $0 != "}" })
        return String(rest).trimmingCharacters(in: .whitespaces)
    }
}

/// Element types accepted on reading.
private struct ElementKind {
    let size: Int
    let load: (UnsafeRawPointer) -> Float

    init?(_ dtype: String) {
        switch dtype {
        case "<f4", "=f4", "f4": size = 4; load = { $0.loadUnaligned(as: Float.self) }
        case "<f8", "=f8", "f8": size = 8; load = { Float($0.loadUnaligned(as: Double.self)) }
        case "<f2", "=f2", "f2": size = 2; load = { Float(Float16(bitPattern: $0.loadUnaligned(as: UInt16.self))) }
        case "<i4", "=i4", "i4": size = 4; load = { Float($0.loadUnaligned(as: Int32.self)) }
        case "<i8", "=i8", "i8": size = 8; load = { Float($0.loadUnaligned(as: Int64.self)) }
        case "|u1", "u1": size = 1; load = { Float($0.load(as: UInt8.self)) }
        case "|b1", "b1": size = 1; load = { $0.load(as: UInt8.self) != 0 ? 1 : 0 }
        default: return nil
        }
    }
}
