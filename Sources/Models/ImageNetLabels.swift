import Foundation

/// The 1000 ImageNet class names, in the order of the networks' outputs.
public enum ImageNetLabels {
    public static func load() throws -> [String] {
        guard let url = Bundle.module.url(forResource: "imagenet_classes", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ModelError("the ImageNet label file imagenet_classes.txt is missing from the Models resources")
        }
        let labels = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .reversed().drop(while: \.isEmpty).reversed()
        guard labels.count == 1000 else {
            throw ModelError("imagenet_classes.txt has \(labels.count) labels, expected 1000")
        }
        return Array(labels)
    }
}
