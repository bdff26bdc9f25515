import ArrayFiles
import Dataset
import Foundation

/// What a collection run is: written as `collection.json` in the run's folder, beside its shards.
/// Everything that made the samples is here, so that a resumed run can check it continues the
/// same collection, and a palette can say where its samples came from.
public struct CollectionHeader: VersionedJSON, Sendable, Equatable {
    /// "atlas-collection/1".
    public var format: String
    /// The model (`ModelName` raw value, "mobilenet_v2").
    public var model: String
    /// The sha256 of the checkpoint the activations came from.
    public var weightsSHA256: String
    public var layer: String
    public var channels: Int
    /// The layer's grid for the network's input size.
    public var layerHeight: Int
    public var layerWidth: Int
    /// The side of the square network input.
    public var inputSize: Int
    /// Random positions sampled per image (and per augmented view).
    public var perImage: Int
    /// Classes kept per sample, by attribution.
    public var topK: Int
    public var seed: UInt64
    /// Extra random crops/flips per image (0: the centre crop only).
    public var augmentations: Int
    /// The images, in collection order.
    public var images: [CollectedImage]
    /// sha256 over the images' paths and hashes: names the data set in a palette.
    public var imagesSHA256: String
    /// The shards written so far, in order; a resumed run appends.
    public var shards: [Shard]
    /// The part of the photo list this run collects (`atlas collect --shard K/N`), nil for all.
    public var part: Part? = nil
    /// The folder the photos were listed from (their paths start with it).
    public var imagesFolder: String? = nil

    public typealias Part = PhotoListPart

    /// One image of a collection.
    public struct CollectedImage: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        /// Why the image gave no samples (it could not be read or decoded); nil for an image
        /// that was collected or is still to come.
        public var skipped: String?
        public init(path: String, sha256: String, skipped: String? = nil) {
            (self.path, self.sha256, self.skipped) = (path, sha256, skipped)
        }
    }

    /// One shard: a subfolder with `activations.npy` [n, C], `classes.npy` [n, K] (class
    /// indices as floats), `attributions.npy` [n, K] (sorted descending), and `origins.npy`
    /// [n, 3] (image index, row, column of the layer grid).
    public struct Shard: Codable, Sendable, Equatable {
        public var folder: String
        public var firstImage: Int
        public var imageCount: Int
        public var samples: Int
        /// Each array file's CRC-32 (zlib's), checked when the collection is loaded: a damaged
        /// shard is refused, not read as samples. Absent in collections written before checksums.
        public var crc32: [String: UInt32]?
        public init(folder: String, firstImage: Int, imageCount: Int, samples: Int, crc32: [String: UInt32]? = nil) {
            (self.folder, self.firstImage, self.imageCount, self.samples, self.crc32) = (folder, firstImage, imageCount, samples, crc32)
        }
    }

    public static let currentFormat = "atlas-collection/1"
    public static let fileName = "collection.json"
}

/// The samples of a collection run, all shards concatenated in memory.
public struct SampleSet: Sendable {
    public let header: CollectionHeader
    public var count: Int { origins.count / 3 }
    public var channels: Int { header.channels }
    public var topK: Int { header.topK }
    /// [count, channels], row by row.
    public let activations: [Float]
    /// [count, topK]: the class indices with the largest attributions, best first.
    public let classes: [Int]
    /// [count, topK]: their attributions (activation . d logit / d activation).
    public let attributions: [Float]
    /// [count, 3]: image index, layer row, layer column of each sample.
    public let origins: [Int]

    public init(header: CollectionHeader, activations: [Float], classes: [Int], attributions: [Float], origins: [Int]) throws {
        let count = origins.count / 3
        guard origins.count % 3 == 0, activations.count == count * header.channels,
              classes.count == count * header.topK, attributions.count == count * header.topK else {
            throw CollectError("a sample set of \(count) samples needs \(count * header.channels) activation values and "
                + "\(count * header.topK) classes and attributions, got \(activations.count), \(classes.count), \(attributions.count)")
        }
        (self.header, self.activations, self.classes, self.attributions, self.origins) = (header, activations, classes, attributions, origins)
    }

    /// Reads `collection.json` and every shard of the run in `folder`, checking each array's shape.
    public static func load(_ folder: String) throws -> SampleSet {
        let header = try readHeader(folder)
        var activations: [Float] = [], classes: [Int] = [], attributions: [Float] = [], origins: [Int] = []
        for shard in header.shards {
            let base = URL(fileURLWithPath: folder).appendingPathComponent(shard.folder)
            func array(_ name: String, columns: Int) throws -> [Float] {
                let path = base.appendingPathComponent(name).path
                guard let data = try? RegularFile.read(path, kind: "collection array", limit: RegularFile.arrayLimit) else {
                    throw CollectError("\(path): missing or unreadable (the collection is damaged: collect again)")
                }
                if let expected = shard.crc32?[name], case let found = crc32(data), found != expected {
                    throw CollectError("\(path): its CRC-32 is \(String(format: "%08x", found)), collection.json recorded "
                        + "\(String(format: "%08x", expected)) (the shard is damaged: collect again)")
                }
                let array = try NPY.decode(data, path: path)
                guard array.shape == [shard.samples, columns] else {
                    throw CollectError("\(path): expected shape [\(shard.samples), \(columns)], got \(array.shape)")
                }
                return array.values
            }
            activations += try array("activations.npy", columns: header.channels)
            classes += try array("classes.npy", columns: header.topK).map { Int($0) }
            attributions += try array("attributions.npy", columns: header.topK)
            origins += try array("origins.npy", columns: 3).map { Int($0) }
        }
        return try SampleSet(header: header, activations: activations, classes: classes, attributions: attributions, origins: origins)
    }

    /// Reads and checks `folder/collection.json`.
    public static func readHeader(_ folder: String) throws -> CollectionHeader {
        let path = URL(fileURLWithPath: folder).appendingPathComponent(CollectionHeader.fileName).path
        guard let header = try CollectionHeader.read(from: path, kind: "collection header") else {
            throw CollectError("\(path): no collection here (run `atlas collect` first)")
        }
        // The numbers the samples' sizes are computed from: bounded before any arithmetic uses them.
        let limit = 1 << 20
        for (name, value) in [("channels", header.channels), ("topK", header.topK), ("perImage", header.perImage),
                              ("layerHeight", header.layerHeight), ("layerWidth", header.layerWidth)]
        where !(1...limit).contains(value) {
            throw CollectError("\(path): '\(name)' is \(value), expected 1 to \(limit)")
        }
        for shard in header.shards where !(0...Int(Int32.max)).contains(shard.samples) {
            throw CollectError("\(path): \(shard.folder) lists \(shard.samples) samples, expected 0 to \(Int32.max)")
        }
        return header
    }
}

/// A collection that could not be made or read.
public struct CollectError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
