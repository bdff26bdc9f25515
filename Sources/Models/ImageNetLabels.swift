import Foundation

/// The 1000 ImageNet class names, in the order of the networks' outputs.
public enum ImageNetLabels {
    public static func load() throws -> [String] {
        guard let url = Bundle.module.url(forResource: "imagenet_classes", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ModelError("the ImageNet label file imagenet_classes.txt is missing from the Models resources")
        }
        let labels = classNames(in: text)
        guard labels.count == 1000 else {
            throw ModelError("imagenet_classes.txt has \(labels.count) labels, expected 1000")
        }
        return labels
    }

    /// The class names of a label file: one per line (a trailing "\r" dropped), without the
    /// empty lines at its end.
    public static func classNames(in text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        return Array(lines.reversed().drop(while: \.isEmpty).reversed())
    }
}
