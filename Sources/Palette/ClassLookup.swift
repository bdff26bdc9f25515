import Foundation
import Models

/// Finds an ImageNet class by the name a user types.
public enum ClassLookup {
    /// The short name of a label: its first synonym ("goldfish" for "goldfish, Carassius auratus").
    public static func shortName(_ label: String) -> String {
        String(label.split(separator: ",", maxSplits: 1).first ?? Substring(label)).trimmingCharacters(in: .whitespaces)
    }

    /// The class whose label, or one of its comma-separated synonyms, is `query` (case-insensitive;
    /// a class whose first synonym matches wins over others that list it later). An unknown or
    /// ambiguous name gets an error that suggests near names.
    public static func resolve(_ query: String, labels: [String]) throws -> Int {
        let wanted = query.trimmingCharacters(in: .whitespaces).lowercased()
        let synonyms = labels.map { $0.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let exact = labels.firstIndex(where: { $0.lowercased() == wanted }) { return exact }
        let first = synonyms.indices.filter { synonyms[$0].first == wanted }
        if first.count == 1 { return first[0] }
        let any = synonyms.indices.filter { synonyms[$0].contains(wanted) }
        if any.count == 1 { return any[0] }
        if any.count > 1 {
            throw PaletteError("class '\(query)' is ambiguous: it names " + any.map { "'\(labels[$0])'" }.joined(separator: ", ")
                + "; give the full label")
        }
        let containing = labels.indices.filter { labels[$0].lowercased().contains(wanted) }.prefix(5).map { shortName(labels[$0]) }
        let close = closeNames(to: wanted, among: labels.map { shortName($0).lowercased() })
        var suggestions: [String] = []
        for name in close + containing where !suggestions.contains(where: { $0.lowercased() == name.lowercased() }) {
            suggestions.append(name)
        }
        throw PaletteError("no ImageNet class is called '\(query)'"
            + (suggestions.isEmpty ? "" : "; did you mean " + suggestions.map { "'\($0)'" }.joined(separator: ", ") + "?"))
    }
}
