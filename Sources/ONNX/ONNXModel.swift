import ArrayFiles
import Foundation
import Models
import Tensor

/// Users' own classifiers: an ONNX file and its model card, loaded as a `Network` that every
/// command runs as it runs the built-in ones.
public enum ONNXModel {
    /// The card's model, named as the card says, checked to take the card's input size.
    public static func load(card: ModelCard) throws -> Network {
        try network(of: ONNXFile(path: card.onnxPath), card: card)
    }

    /// The model in `file`, the ONNX file `card` names.
    private static func network(of file: ONNXFile, card: ModelCard) throws -> Network {
        let (height, width) = (file.inputShape.height, file.inputShape.width)
        guard height == card.inputSize, width == card.inputSize else {
            throw ONNXError("\(card.path): input_size is \(card.inputSize), but \(card.onnxPath) takes \(height)x\(width) images "
                + "(input '\(file.input.name)')")
        }
        return try network(of: file, name: card.name, normalization: card.normalization)
    }

    /// The model in the ONNX file at `path`, without a card (its input normalised as `normalization`).
    public static func load(path: String, name: String, normalization: InputNormalization) throws -> Network {
        try network(of: ONNXFile(path: path), name: name, normalization: normalization)
    }

    private static func network(of file: ONNXFile, name: String, normalization: InputNormalization) throws -> Network {
        guard file.inputShape.channels == 3, file.inputShape.height == file.inputShape.width else {
            throw ONNXError("\(file.path): input '\(file.input.name)' is [N, \(file.inputShape.channels), \(file.inputShape.height), "
                + "\(file.inputShape.width)]; atlas takes square RGB images, [N, 3, S, S]")
        }
        var importer = try GraphImporter(file: file)
        let (graph, logits, probabilities) = try importer.run()
        do {
            return try Network(name: name, graph: graph, inputSize: file.inputShape.height, normalization: normalization,
                               logits: logits, probabilities: probabilities, weightsPath: file.path)
        } catch let error as ModelError {
            throw ONNXError(error.description)
        }
    }

    /// The sha256 of the ONNX file a card names (what palettes, collections and indexes record).
    public static func sha256(card: ModelCard) throws -> String {
        do {
            return SHA256.hex(try RegularFile.read(card.onnxPath, kind: "ONNX model", limit: ONNXFile.sizeLimit))
        } catch let error as FileReadError {
            throw ONNXError("\(card.onnxPath): \(error.problem)")
        }
    }

    /// What `atlas model check` prints: the graph's input, its operators, its parameters, the
    /// operators atlas cannot run, and, when it can run them all, the layers it will see.
    public static func summary(card: ModelCard) throws -> String {
        let file = try ONNXFile(path: card.onnxPath)
        var lines = ["\(card.onnxPath): ONNX IR \(file.model.irVersion), opset \(file.opset)"
            + (file.model.producerName.isEmpty ? "" : ", made by \(file.model.producerName) \(file.model.producerVersion)")]
        let input = file.inputShape
        lines.append("input '\(file.input.name)': [N, \(input.channels), \(input.height), \(input.width)]")
        let parameters = file.initializers.values.reduce(0) { $0 + $1.count }
        lines.append("parameters: \(parameters) in \(file.initializers.count) initializers")
        let counts = Dictionary(grouping: file.graph.node, by: \.opType).mapValues(\.count)
        lines.append("operators: " + counts.keys.sorted().map { "\($0) x\(counts[$0]!)" }.joined(separator: ", "))
        let unsupported = file.graph.node.filter { !GraphImporter.supportedOperators.contains($0.opType) }
        if !unsupported.isEmpty {
            lines.append("not supported: " + unsupported.map { "\($0.opType) (node '\($0.name.isEmpty ? $0.output.first ?? "?" : $0.name)')" }
                .joined(separator: ", "))
            throw ONNXError((lines + ["atlas cannot run this model: the operators above are not supported"]).joined(separator: "\n"))
        }
        let network = try self.network(of: file, card: card)
        let classes = try network.forward(Tensor(shape: [1, 3, card.inputSize, card.inputSize],
                                                 values: [Float](repeating: 0, count: 3 * card.inputSize * card.inputSize)),
                                          to: [network.logitsName])[0].shape[1]
        let labels = try card.classNames()
        guard labels.count == classes else {
            throw ONNXError("\(card.path): the labels hold \(labels.count) class names, but the model has \(classes) classes")
        }
        lines.append("classes: \(classes) (logits '\(network.logitsName)')")
        lines.append("layers (name, channels, size, stride):")
        for layer in try network.layers() {
            lines.append("  \(layer.name)  \(layer.channels)  \(layer.height)x\(layer.width)  \(layer.stride)")
        }
        return lines.joined(separator: "\n")
    }
}
