import Imaging
import Tensor

/// One class and its probability.
public struct ClassScore: Sendable, Equatable, Codable {
    public let index: Int
    public let label: String
    public let probability: Float

    public init(index: Int, label: String, probability: Float) {
        (self.index, self.label, self.probability) = (index, label, probability)
    }
}

/// The top classes for one image.
public struct ImageClassification: Sendable, Equatable {
    public let image: String
    public let top: [ClassScore]
}

/// Classifies image files with a network, in batches.
public struct ImageClassifier {
    public let network: Network
    public let labels: [String]
    public let resizing: Resizing
    public let batchSize: Int

    public init(network: Network, labels: [String], resizing: Resizing = .torchvision, batchSize: Int = 16) throws {
        guard batchSize > 0 else { throw ModelError("the batch size must be positive, got \(batchSize)") }
        (self.network, self.labels, self.resizing, self.batchSize) = (network, labels, resizing, batchSize)
    }

    /// Decodes, preprocesses and classifies the images batch by batch, handing each image's
    /// `top` classes to `report` in the order given; an image that cannot be decoded goes to
    /// `skipped` with its error, and the others of its batch are classified.
    public func classify(_ paths: [String], top: Int, skipped: (String, Error) -> Void,
                         report: (ImageClassification) throws -> Void) throws {
        guard top > 0 else { throw ModelError("--top must be positive, got \(top)") }
        for start in stride(from: 0, to: paths.count, by: batchSize) {
            var (batch, images) = ([String](), [RGBImage]())
            for path in paths[start..<min(start + batchSize, paths.count)] {
                do {
                    images.append(try decodeImage(at: path))
                    batch.append(path)
                } catch {
                    skipped(path, error)
                }
            }
            guard !images.isEmpty else { continue }
            let probabilities = try network.probabilities(of: network.input(for: images, names: batch, resizing: resizing))
            let classes = probabilities.shape[1]
            guard classes == labels.count else {
                throw ModelError("\(network.name) has \(classes) classes but \(labels.count) labels")
            }
            for (item, path) in batch.enumerated() {
                let row = probabilities.values[item * classes..<(item + 1) * classes]
                let best = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(top)
                try report(ImageClassification(image: path, top: best.map {
                    ClassScore(index: $0 - item * classes, label: labels[$0 - item * classes], probability: row[$0])
                }))
            }
        }
    }
}
