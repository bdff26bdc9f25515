import ArrayFiles
import Foundation
import Models
import TOMLFiles
import TOMLKit

/// What an ONNX file does not say about a classifier, written beside it in a small TOML file:
///
/// ```toml
/// onnx = "lite2.onnx"            # relative to this file
/// input_size = 260               # the square input, in pixels
/// mean = [127.0, 127.0, 127.0]   # subtracted from 0-255 pixel values, per RGB channel
/// std = [128.0, 128.0, 128.0]    # then divided by
/// labels = "imagenet"            # or a text file of class names, one per line
/// name = "lite2"                 # optional: the model's name in artefacts (default: the card's file name)
/// ```
public struct ModelCard: Sendable, Equatable {
    /// The card file.
    public let path: String
    /// The model's name, which palettes, collections and indexes record.
    public let name: String
    /// The ONNX file, resolved against the card's folder.
    public let onnxPath: String
    public let inputSize: Int
    /// Per RGB channel, in 0-255 pixel units.
    public let mean: [Float]
    public let standardDeviation: [Float]
    public let labels: Labels

    /// Where the class names come from.
    public enum Labels: Sendable, Equatable {
        /// The 1000 ImageNet classes atlas ships.
        case imageNet
        /// A text file, one class name per line (resolved against the card's folder).
        case file(String)
    }

    static let keys = ["onnx", "input_size", "mean", "std", "labels", "name"]
    /// Cards are a few lines; anything far larger is not one.
    static let sizeLimit = 1 << 16

    /// Whether a `--model` argument names a card rather than a built-in network.
    public static func isCardPath(_ argument: String) -> Bool {
        argument.hasSuffix(".toml")
    }

    /// Reads and checks the card at `path`.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try RegularFile.read(path, kind: "model card", limit: Self.sizeLimit)
        } catch let error as FileReadError {
            throw ONNXError("\(path): \(error.problem)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ONNXError("\(path): the model card is not UTF-8 text") }
        try self.init(parsing: text, path: path)
    }

    /// Parses card text; `path` names the file in errors and anchors relative paths.
    public init(parsing text: String, path: String) throws {
        func fail(_ message: String) -> ONNXError { ONNXError("\(path): \(message)") }
        do {
            // toml++ (inside TOMLKit) aborts on some malformed input: check the syntax first.
            try TOMLSyntax.check(text)
        } catch let problem as TOMLSyntax.Problem {
            throw ONNXError("\(path):\(problem.line):\(problem.column): not valid TOML: \(problem.message)")
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ONNXError("\(path):\(error.source.begin.line):\(error.source.begin.column): not valid TOML: \(error.description)")
        }
        for key in root.keys where !Self.keys.contains(key) {
            throw fail("unknown key '\(key)'; a model card has " + Self.keys.joined(separator: ", "))
        }
        func string(_ key: String, example: String) throws -> String {
            guard let value = root[key] else { throw fail("missing `\(key) = \(example)`") }
            guard let string = value.string, !string.isEmpty else { throw fail("`\(key)` must be a non-empty string, like \(example)") }
            return string
        }
        func triple(_ key: String, example: String) throws -> [Float] {
            guard let value = root[key] else { throw fail("missing `\(key) = \(example)` (per RGB channel, in 0-255 pixel units)") }
            guard let array = value.array else { throw fail("`\(key)` must be an array of 3 numbers, like \(example)") }
            let numbers = array.map { $0.double ?? $0.int.map(Double.init) }
            guard array.count == 3, numbers.allSatisfy({ $0 != nil }) else {
                throw fail("`\(key)` has \(array.count) values, expected 3 numbers (R, G, B), like \(example)")
            }
            let values = numbers.map { Float($0!) }
            guard values.allSatisfy(\.isFinite) else { throw fail("`\(key)` must hold finite numbers, got \(values)") }
            return values
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolved(_ relative: String) -> String {
            relative.hasPrefix("/") ? relative : folder.appendingPathComponent(relative).standardizedFileURL.path
        }
        onnxPath = resolved(try string("onnx", example: "\"model.onnx\""))
        guard let size = root["input_size"] else { throw fail("missing `input_size = 224` (the square input, in pixels)") }
        guard let side = size.int, (1...4096).contains(side) else {
            throw fail("`input_size` must be an integer from 1 to 4096 (pixels), got \(size.debugDescription)")
        }
        inputSize = side
        mean = try triple("mean", example: "[123.7, 116.3, 103.5]")
        standardDeviation = try triple("std", example: "[58.4, 57.1, 57.4]")
        guard standardDeviation.allSatisfy({ $0 > 0 }) else { throw fail("`std` must be positive, got \(standardDeviation)") }
        let labelSource = try string("labels", example: "\"imagenet\" or \"classes.txt\"")
        labels = labelSource == "imagenet" ? .imageNet : .file(resolved(labelSource))
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        name = root["name"] == nil ? stem : try string("name", example: "\"my_model\"")
        guard !name.contains("/"), !ModelName.allCases.map(\.rawValue).contains(name) else {
            throw fail("the model's name '\(name)' must not contain '/' nor be a built-in model's name; set `name = \"...\"`")
        }
        self.path = path
    }

    /// How pixels scaled to [0, 1] become network inputs: the card's 0-255 statistics over 255.
    public var normalization: InputNormalization {
        InputNormalization(mean: mean.map { $0 / 255 }, standardDeviation: standardDeviation.map { $0 / 255 })
    }

    /// The class names, in the order of the model's outputs.
    public func classNames() throws -> [String] {
        switch labels {
        case .imageNet:
            return try ImageNetLabels.load()
        case .file(let file):
            let data: Data
            do {
                data = try RegularFile.read(file, kind: "label file", limit: 1 << 24)
            } catch let error as FileReadError {
                throw ONNXError("\(path): labels \(file): \(error.problem)")
            }
            guard let text = String(data: data, encoding: .utf8) else { throw ONNXError("\(file): the label file is not UTF-8 text") }
            let names = ImageNetLabels.classNames(in: text)
            guard !names.isEmpty else { throw ONNXError("\(file): the label file has no class names") }
            return names
        }
    }
}
