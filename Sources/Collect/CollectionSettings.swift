/// What a collection asks for: everything that decides its samples, and how it is batched.
public struct CollectionSettings: Sendable, Equatable {
    /// The layer to sample, as `atlas layers` names it.
    public var layer: String
    /// Random positions per image view.
    public var perImage: Int
    /// Candidate classes per image (its largest logits), all kept per sample by attribution.
    public var topK: Int
    public var seed: UInt64
    /// Extra random crops/flips per image.
    public var augmentations: Int
    /// Network inputs (image views) per pass. Batches start afresh in each shard, so a resumed
    /// run batches exactly as an uninterrupted one.
    public var batchSize: Int
    /// Images per shard: the unit of resumption.
    public var imagesPerShard: Int

    public init(layer: String, perImage: Int = 64, topK: Int = 16, seed: UInt64 = 0, augmentations: Int = 0,
                batchSize: Int = 16, imagesPerShard: Int = 32) {
        (self.layer, self.perImage, self.topK, self.seed) = (layer, perImage, topK, seed)
        (self.augmentations, self.batchSize, self.imagesPerShard) = (augmentations, batchSize, imagesPerShard)
    }
}

extension CollectionHeader {
    /// Why a run described by `other` cannot continue this collection, naming the command-line
    /// arguments that differ; nil when it can.
    public func resumptionConflict(with other: CollectionHeader) -> String? {
        var differences: [String] = []
        func compare<Value: Equatable>(_ option: String, _ keyPath: KeyPath<CollectionHeader, Value>) {
            if self[keyPath: keyPath] != other[keyPath: keyPath] {
                differences.append("\(option) \(self[keyPath: keyPath]) (this run: \(other[keyPath: keyPath]))")
            }
        }
        compare("--model", \.model)
        compare("--layer", \.layer)
        compare("--per-image", \.perImage)
        compare("--top-k", \.topK)
        compare("--seed", \.seed)
        compare("--augment", \.augmentations)
        if part != other.part {
            let describe = { (part: Part?) in part.map { "\($0.index)/\($0.count)" } ?? "none" }
            differences.append("--shard \(describe(part)) (this run: \(describe(other.part)))")
        }
        if weightsSHA256 != other.weightsSHA256 {
            differences.append("--weights with sha256 \(weightsSHA256) (this run: \(other.weightsSHA256))")
        }
        if imagesSHA256 != other.imagesSHA256 {
            let ours = Set(images.map(\.path)), theirs = Set(other.images.map(\.path))
            let changed = zip(images, other.images).first { $0.path == $1.path && $0.sha256 != $1.sha256 }?.0.path
            differences.append("--images with other contents (\(images.count) images, this run \(other.images.count); "
                + "\(theirs.subtracting(ours).count) new, \(ours.subtracting(theirs).count) gone"
                + (changed.map { ", \($0) changed" } ?? "") + ")")
        }
        if differences.isEmpty && (channels, layerHeight, layerWidth, inputSize) != (other.channels, other.layerHeight, other.layerWidth, other.inputSize) {
            differences.append("a layer of \(channels)x\(layerHeight)x\(layerWidth) for input \(inputSize) (this run: "
                + "\(other.channels)x\(other.layerHeight)x\(other.layerWidth) for input \(other.inputSize))")
        }
        return differences.isEmpty ? nil : "it was made with " + differences.joined(separator: "; ")
    }
}
