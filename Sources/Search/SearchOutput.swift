import Foundation

/// The machine-readable form of search results.
public enum SearchOutput {
    /// One hit as a JSON line: {"image": "<path>", "score": s, "row": r, "col": c}, keys in that
    /// order, the score with 4 decimals.
    public static func jsonLine(_ hit: SearchHit) -> String {
        "{\"image\": \(jsonString(hit.path)), \"score\": \(String(format: "%.4f", hit.score)), \"row\": \(hit.row), \"col\": \(hit.column)}"
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}
