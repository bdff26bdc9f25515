import Foundation

/// Who made a photo, under which licence, and where it was published.
public struct Credit: Equatable, Sendable {
    public var licence: String
    public var copyright: String
    /// The original's address (mostly Wikimedia Commons), or "".
    public var origin: String

    public init(licence: String, copyright: String, origin: String) {
        self.licence = licence
        self.copyright = copyright
        self.origin = origin
    }

    /// Licence names as the sources spell them, made uniform: "CC-BY-SA 4.0" becomes
    /// "CC-BY-SA-4.0" and "Public domain" becomes "Public Domain"; others are kept.
    public static func normalisedLicence(_ licence: String) -> String {
        let trimmed = licence.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "public domain" { return "Public Domain" }
        if trimmed.uppercased().hasPrefix("CC") { return trimmed.split(separator: " ").joined(separator: "-") }
        return trimmed
    }

    /// Reads a GCompris README: blocks separated by blank lines, each with `Copyright:`,
    /// `License:`, `Source:` and `Files:` fields (the files on the same line or on the lines
    /// that follow). Returns the credit of each listed file, keyed by its path relative to
    /// the README's folder.
    public static func parseGComprisReadme(_ text: String) -> [String: Credit] {
        var credits: [String: Credit] = [:]
        for block in text.split(separator: "\n", omittingEmptySubsequences: false)
            .map({ $0.trimmingCharacters(in: .whitespaces) })
            .split(separator: "", omittingEmptySubsequences: true) {
            var fields: [String: String] = [:]
            var files: [String] = []
            var key = ""
            for line in block {
                if let colon = line.firstIndex(of: ":"), line[..<colon].allSatisfy({ $0.isLetter }), !line[..<colon].isEmpty {
                    key = line[..<colon].lowercased()
                    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    if key == "files" {
                        if !value.isEmpty { files.append(value) }
                    } else {
                        fields[key] = value
                    }
                } else if key == "files" {
                    files.append(line)
                }
            }
            guard let licence = fields["license"] ?? fields["licence"] else { continue }
            let credit = Credit(licence: normalisedLicence(licence), copyright: fields["copyright"] ?? "", origin: fields["source"] ?? "")
            for file in files { credits[file] = credit }
        }
        return credits
    }
}
