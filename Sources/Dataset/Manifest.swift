import ArrayFiles
import Foundation

/// One photo of a photo set: where it lies, what it shows, where it came from, and its
/// checksum.
public struct ManifestEntry: Equatable, Sendable {
    /// Relative to the set's folder, "/"-separated; the first folder is the category.
    public var path: String
    /// What the photo shows (fish, monuments, tools, animals, ...): the label for retrieval.
    public var category: String
    /// The Debian or PyPI package the photo comes from.
    public var package: String
    /// Where the photo lies inside that package.
    public var source: String
    public var credit: Credit
    public var width: Int
    public var height: Int
    /// SHA-256 of the file's bytes, 64 lower-case hex digits.
    public var sha256: String
    /// Flags separated by ",": `small` (short side under 200 px), `uncredited` (the source's
    /// credits do not list the file; see the README beside it).
    public var note: String

    public init(path: String, category: String, package: String, source: String, credit: Credit,
                width: Int, height: Int, sha256: String, note: String) {
        self.path = path
        self.category = category
        self.package = package
        self.source = source
        self.credit = credit
        self.width = width
        self.height = height
        self.sha256 = sha256
        self.note = note
    }
}

/// A manifest: a tab-separated table with a header row, one `ManifestEntry` a row, sorted by
/// path. Tabs and line breaks inside values are written as spaces.
public enum Manifest {
    public static let columns = ["path", "category", "package", "source", "licence", "copyright", "origin",
                                 "width", "height", "sha256", "note"]

    public static func encode(_ entries: [ManifestEntry]) -> String {
        let rows = entries.sorted { $0.path < $1.path }.map { entry in
            fields(entry).map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
                .joined(separator: "\t")
        }
        return ([columns.joined(separator: "\t")] + rows).joined(separator: "\n") + "\n"
    }

    /// Parses a manifest; `file` names it in errors, which give the line number.
    public static func decode(_ text: String, file: String) throws -> [ManifestEntry] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard let header = lines.first, header.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) == columns else {
            throw DataFormatError(file: file, problem: "line 1: expected the header \(columns.joined(separator: " "))")
        }
        return try lines.enumerated().dropFirst().filter { !$0.element.isEmpty }.map { number, line in
            let values = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard values.count == columns.count else {
                throw DataFormatError(file: file, problem: "line \(number + 1): \(values.count) values, expected \(columns.count)")
            }
            guard let width = Int(values[7]), let height = Int(values[8]) else {
                throw DataFormatError(file: file, problem: "line \(number + 1): width and height must be integers, got '\(values[7])' '\(values[8])'")
            }
            return ManifestEntry(path: values[0], category: values[1], package: values[2], source: values[3],
                                 credit: Credit(licence: values[4], copyright: values[5], origin: values[6]),
                                 width: width, height: height, sha256: values[9], note: values[10])
        }
    }

    public static func read(_ path: String) throws -> [ManifestEntry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFormatError(file: path, problem: "cannot read the manifest")
        }
        return try decode(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Writes atomically.
    public static func write(_ entries: [ManifestEntry], to path: String) throws {
        try writeAtomically(Data(encode(entries).utf8), to: path)
    }

    /// One line per way `actual` differs from `expected`, matched by path: files missing,
    /// files not expected, and each differing field with both values. Empty when they agree.
    public static func differences(expected: [ManifestEntry], actual: [ManifestEntry]) -> [String] {
        let expectedByPath = Dictionary(expected.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let actualByPath = Dictionary(actual.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [String] = []
        for path in Set(expectedByPath.keys).union(actualByPath.keys).sorted() {
            switch (expectedByPath[path], actualByPath[path]) {
            case let (want?, got?):
                for (column, (wanted, found)) in zip(columns, zip(fields(want), fields(got))) where wanted != found {
                    lines.append("\(path): \(column) is '\(found)', the manifest says '\(wanted)'")
                }
            case (_?, nil): lines.append("\(path): missing (listed in the manifest, not produced)")
            case (nil, _?): lines.append("\(path): not in the manifest")
            case (nil, nil): break
            }
        }
        return lines
    }

    /// The entry's values in `columns` order.
    private static func fields(_ entry: ManifestEntry) -> [String] {
        [entry.path, entry.category, entry.package, entry.source, entry.credit.licence, entry.credit.copyright,
         entry.credit.origin, String(entry.width), String(entry.height), entry.sha256, entry.note]
    }
}
