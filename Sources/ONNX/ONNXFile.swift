import ArrayFiles
import Foundation
import SwiftProtobuf

/// An ONNX model file, decoded: its graph, the opset of the default domain, the initializers
/// (weights, inline or in external data files beside the model), and the image input.
struct ONNXFile {
    let path: String
    let model: Onnx_ModelProto
    /// The version of the default ("" or "ai.onnx") operator set the graph uses.
    let opset: Int
    /// The initializers by name, decoded and checked to be finite.
    let initializers: [String: Constant]
    /// The graph input that is not an initializer: the image batch.
    let input: Onnx_ValueInfoProto
    /// The input's channels, height and width (the batch size may be symbolic).
    let inputShape: (channels: Int, height: Int, width: Int)

    /// The opsets whose operators the importer knows (ONNX 1.8 to 1.16 exporters' defaults).
    static let opsets = 11...21
    /// Protobuf messages cannot exceed 2 GiB; larger models keep their weights in external data.
    static let sizeLimit = Int(Int32.max)

    var graph: Onnx_GraphProto { model.graph }

    init(path: String) throws {
        let data: Data
        do {
            data = try RegularFile.read(path, kind: "ONNX model", limit: Self.sizeLimit)
        } catch let error as FileReadError {
            throw ONNXError("\(path): \(error.problem)")
        }
        try self.init(data: data, path: path)
    }

    /// The model in `data`, read from `path` (which names it in errors and locates external data).
    init(data: Data, path: String) throws {
        self.path = path
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw ONNXError("\(path): not an ONNX model (the protobuf does not decode: \(error)); "
                + "export one with torch.onnx.export or tf2onnx")
        }
        guard model.irVersion > 0, model.hasGraph, !model.graph.node.isEmpty else {
            throw ONNXError("\(path): not an ONNX model (no IR version or no graph nodes); export one with torch.onnx.export or tf2onnx")
        }
        guard let version = model.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" })?.version else {
            throw ONNXError("\(path): the model imports no version of the default ONNX operator set")
        }
        guard Self.opsets.contains(Int(version)) else {
            throw ONNXError("\(path): opset \(version) is not supported (opsets \(Self.opsets.lowerBound) to "
                + "\(Self.opsets.upperBound) are); re-export with e.g. torch.onnx.export(..., opset_version=17)")
        }
        opset = Int(version)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var initializers: [String: Constant] = [:]
        for tensor in model.graph.initializer {
            let what = "\(path): initializer '\(tensor.name)'"
            let constant = try TensorDecoding.constant(tensor, raw: try Self.rawData(of: tensor, folder: folder, what: what), what: what)
            if case .floats(let values) = constant.values, let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw ONNXError("\(what) holds \(values[bad]) at element \(bad): the weights must be finite numbers")
            }
            initializers[tensor.name] = constant
        }
        self.initializers = initializers
        let inputs = model.graph.input.filter { initializers[$0.name] == nil }
        guard inputs.count == 1, let input = inputs.first else {
            throw ONNXError("\(path): the graph has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); "
                + "an image classifier has one, [N, 3, H, W]")
        }
        self.input = input
        inputShape = try Self.imageShape(of: input, path: path)
    }

    /// The input's [N, C, H, W] with fixed C, H and W; the error says what is missing.
    private static func imageShape(of input: Onnx_ValueInfoProto, path: String) throws -> (channels: Int, height: Int, width: Int) {
        guard case .tensorType(let tensor)? = input.type.value else {
            throw ONNXError("\(path): input '\(input.name)' is not a tensor")
        }
        guard Onnx_TensorProto.DataType(rawValue: Int(tensor.elemType)) == .float else {
            throw ONNXError("\(path): input '\(input.name)' holds \(TensorDecoding.dataTypeName(tensor.elemType)), expected float")
        }
        let dims = tensor.shape.dim
        guard tensor.hasShape, dims.count == 4 else {
            throw ONNXError("\(path): input '\(input.name)' has \(tensor.hasShape ? "\(dims.count) dimensions" : "no shape"), "
                + "expected 4: [N, channels, height, width]")
        }
        var fixed: [Int] = []
        for (dim, role) in zip(dims.dropFirst(), ["channels", "height", "width"]) {
            guard case .dimValue(let value)? = dim.value, value > 0, value <= 1 << 16 else {
                let symbol = if case .dimParam(let name)? = dim.value { " ('\(name)')" } else { "" }
                throw ONNXError("\(path): input '\(input.name)' has a dynamic \(role)\(symbol); atlas needs a fixed input size: "
                    + "export with a fixed height and width (only the batch size may be dynamic)")
            }
            fixed.append(Int(value))
        }
        return (fixed[0], fixed[1], fixed[2])
    }

    /// The raw bytes of `tensor`: inline `raw_data`, or the range of its external data file
    /// (which must lie inside the model's folder); nil when the values are in typed fields.
    private static func rawData(of tensor: Onnx_TensorProto, folder: URL, what: String) throws -> Data? {
        guard tensor.dataLocation == .external else { return tensor.hasRawData ? tensor.rawData : nil }
        var entries: [String: String] = [:]
        for entry in tensor.externalData { entries[entry.key] = entry.value }
        guard let location = entries["location"], !location.isEmpty else {
            throw ONNXError("\(what): external data without a location")
        }
        let parts = location.split(separator: "/")
        guard !location.hasPrefix("/"), !parts.contains(".."), !location.contains("\\") else {
            throw ONNXError("\(what): external data location '\(location)' must be a path inside the model's folder")
        }
        let file = folder.appendingPathComponent(location).path
        guard let offset = Int(entries["offset"] ?? "0"), offset >= 0 else {
            throw ONNXError("\(what): external data offset '\(entries["offset"] ?? "")' is not a byte count")
        }
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw ONNXError("\(what): cannot open its external data file \(file)")
        }
        defer { try? handle.close() }
        let size = Int((try? handle.seekToEnd()) ?? 0)
        let length = try entries["length"].map { text -> Int in
            guard let length = Int(text), length >= 0 else { throw ONNXError("\(what): external data length '\(text)' is not a byte count") }
            return length
        } ?? (size - offset)
        guard offset <= size, length <= size - offset else {
            throw ONNXError("\(what): external data \(location) bytes \(offset)..<\(offset + length) lie past its end (\(size) bytes)")
        }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: length) ?? Data()
        guard data.count == length else { throw ONNXError("\(what): read \(data.count) of \(length) bytes of \(location)") }
        return data
    }
}
