/// The text of a canvas file, for pointing errors at their line and column. TOMLKit parses the
/// values but reports positions only for syntax errors, so a light scan of the lines finds where
/// each key is defined (`key = ...` under a `[table]` header, or a `[table.key]` header) and where
/// a value appears within that definition. The scan never decides a value: it only locates.
struct CanvasSource {
    /// A line that defines a key, or opens a table.
    private struct Entry {
        let line: Int
        /// The table the key belongs to ("" for the top level), or the table a header opens.
        let table: String
        /// The key, nil for a header.
        let key: String?
        /// 1-based column of the key or header.
        let column: Int
    }

    let lines: [[Character]]
    private let entries: [Entry]

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            Array(line.hasSuffix("\r") ? line.dropLast() : line)
        }
        var entries: [Entry] = [], table = "", openDelimiter: String?
        for (index, line) in lines.enumerated() {
            let text = String(line)
            if let delimiter = openDelimiter {
                if text.contains(delimiter) { openDelimiter = nil }
                continue
            }
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            let rest = text.dropFirst(indent)
            if rest.hasPrefix("[") {
                guard let name = Self.keyPath(rest.drop { $0 == "[" }.prefix { $0 != "]" }) else { continue }
                table = name
                entries.append(Entry(line: index + 1, table: name, key: nil, column: indent + 1))
            } else if let equals = rest.firstIndex(of: "="), !rest.hasPrefix("#") {
                guard let path = Self.keyPath(rest[..<equals]) else { continue }
                entries.append(Entry(line: index + 1, table: table, key: path, column: indent + 1))
                let value = rest[rest.index(after: equals)...]
                for delimiter in ["\"\"\"", "'''"] where value.components(separatedBy: delimiter).count == 2 {
                    openDelimiter = delimiter
                }
            }
        }
        self.entries = entries
    }

    /// Where `key` of `table` ("" for the top level) is defined: its `key = ` line or its
    /// `[table.key]` header.
    func location(ofKey key: String, in table: String) -> SourceLocation? {
        let header = table.isEmpty ? key : "\(table).\(key)"
        return entries.first { ($0.table == table && $0.key == key) || ($0.key == nil && $0.table == header) }
            .map { SourceLocation(line: $0.line, column: $0.column) }
    }

    /// The first place `needle` appears within the definition that starts at `start` (up to the
    /// next key of the same table or the next header), or `start` itself.
    func location(of needle: String, within start: SourceLocation) -> SourceLocation {
        let target = Array(needle)
        guard let entry = entries.firstIndex(where: { $0.line == start.line }), !target.isEmpty else { return start }
        let isHeader = entries[entry].key == nil
        let end = entries[(entry + 1)...].first { next in next.key == nil || (!isHeader && next.table == entries[entry].table) }?.line
            ?? lines.count + 1
        for line in start.line..<end {
            let characters = lines[line - 1]
            guard characters.count >= target.count else { continue }
            for column in 0...(characters.count - target.count) where Array(characters[column..<column + target.count]) == target {
                return SourceLocation(line: line, column: column + 1)
            }
        }
        return start
    }

    /// Where the text of the multi-line string value of top-level `key` begins: the line after
    /// the opening delimiter when nothing follows it (TOML drops that first newline), otherwise
    /// the character after the delimiter.
    func multilineStringStart(ofKey key: String) -> SourceLocation? {
        guard let definition = location(ofKey: key, in: "") else { return nil }
        let line = lines[definition.line - 1]
        guard let equals = line[(definition.column - 1)...].firstIndex(of: "=") else { return nil }
        let opening = line[(equals + 1)...].firstIndex { $0 != " " && $0 != "\t" } ?? line.count
        guard opening + 3 <= line.count, ["\"\"\"", "'''"].contains(String(line[opening..<opening + 3])) else { return nil }
        return line[(opening + 3)...].allSatisfy({ $0 == " " || $0 == "\t" })
            ? SourceLocation(line: definition.line + 1, column: 1)
            : SourceLocation(line: definition.line, column: opening + 4)
    }

    /// `a."b".c` -> "a.b.c": a dotted key with its quotes and spaces removed; nil unless `text`
    /// is a key (bare or quoted parts).
    private static func keyPath(_ text: Substring) -> String? {
        let bare = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        var parts: [String] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            let trimmed = part.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
            let characters = Array(trimmed)
            if let quote = characters.first, quote == "\"" || quote == "'", characters.count >= 2, characters.last == quote {
                parts.append(String(characters.dropFirst().dropLast()))
            } else if !characters.isEmpty, characters.allSatisfy(bare.contains) {
                parts.append(String(characters))
            } else {
                return nil
            }
        }
        return parts.joined(separator: ".")
    }
}
