import Foundation

/// A JSON file that names its format ("atlas-palette/1"), so that a reader refuses a file it does
/// not know instead of misreading it: collection headers, palette descriptions, index manifests.
public protocol VersionedJSON: Codable {
    var format: String { get }
    static var currentFormat: String { get }
}

extension VersionedJSON {
    /// The file at `path`, or nil when there is none. `kind` names it in errors ("palette
    /// description"): a file that is not valid JSON of this type, or of another format, is refused.
    public static func read(from path: String, kind: String) throws -> Self? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VersionedJSONError("\(path): cannot read the \(kind)")
        }
        let value: Self
        do {
            value = try JSONDecoder().decode(Self.self, from: data)
        } catch {
            throw VersionedJSONError("\(path): not a \(kind): \(error)")
        }
        guard value.format == currentFormat else {
            throw VersionedJSONError("\(path): format '\(value.format)', expected '\(currentFormat)'")
        }
        return value
    }
}

/// A versioned JSON file that could not be read.
public struct VersionedJSONError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
