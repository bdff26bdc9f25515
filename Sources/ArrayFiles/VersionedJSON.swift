import Foundation

/// A JSON file that names its format ("atlas-palette/1"), so that a reader refuses a file it does
/// not know instead of misreading it: collection headers, palette descriptions, index manifests.
public protocol VersionedJSON: Codable {
    var format: String { get }
    static var currentFormat: String { get }
    /// The first of the file's numbers outside what a reader can use ("'grid' is -3, expected 1
    /// to 1024"), or nil: checked when the file is read, before any arithmetic uses them.
    var outOfBounds: String? { get }
}

extension VersionedJSON {
    public var outOfBounds: String? { nil }
}

/// The first of `values` (named) outside `range`, said as `outOfBounds` says it.
public func firstOutOfBounds(_ values: [(name: String, value: Int)], _ range: ClosedRange<Int>) -> String? {
    values.first { !range.contains($0.value) }.map { "'\($0.name)' is \($0.value), expected \(range.lowerBound) to \(range.upperBound)" }
}

extension VersionedJSON {
    /// The file at `path`, or nil when there is none. `kind` names it in errors ("palette
    /// description"): a file that is not valid JSON of this type, or of another format, is refused.
    public static func read(from path: String, kind: String) throws -> Self? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try decode(RegularFile.read(path, kind: kind, limit: RegularFile.jsonLimit), path: path, kind: kind)
    }

    /// `data`, the contents of the file at `path`, decoded and checked as `read(from:kind:)` does.
    public static func decode(_ data: Data, path: String, kind: String) throws -> Self {
        let value: Self
        do {
            value = try JSONDecoder().decode(Self.self, from: data)
        } catch {
            throw VersionedJSONError(file: path, problem: "not a \(kind): \(Self.explain(error))")
        }
        guard value.format == currentFormat else {
            throw VersionedJSONError(file: path, problem: "format '\(value.format)', expected '\(currentFormat)'")
        }
        if let problem = value.outOfBounds { throw VersionedJSONError(file: path, problem: problem) }
        return value
    }

    /// A decoding error in words: the key path and what was expected there, not Foundation's dump.
    static func explain(_ error: Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the top level" : "'" + keys.drop { $0 == "." } + "'"
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            let place = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing key '\(key.stringValue)'\(place)"
        case DecodingError.typeMismatch(let type, let context):
            return "\(path(context)): expected \(describe(type))"
        case DecodingError.valueNotFound(let type, let context):
            return "\(path(context)): expected \(describe(type)), got null"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is UInt64.Type, is Int64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            return name.hasPrefix("Array") ? "an array" : name.hasPrefix("Dictionary") ? "an object" : "a \(name)"
        }
    }
}

/// A versioned JSON file that could not be read.
public struct VersionedJSONError: FileProblem {
    public let file: String
    public let problem: String
}
