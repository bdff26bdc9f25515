import ArrayFiles
import Dataset

/// `index.json`: what an index holds and where each image's grids lie in its shards
/// (docs/search.md, "The index on disk").
public struct IndexManifest: VersionedJSON, Sendable, Equatable {
    /// "atlas-index/1".
    public var format: String
    public var origin: GridOrigin
    /// The input sides each image was seen at (`IndexView.fitted`), e.g. [224, 320].
    public var scales: [Int]
    /// Shard files, relative to the index folder, in the order written; a resumed or appending
    /// build adds shards and never rewrites one the manifest lists.
    public var shards: [String]
    /// Each shard's CRC-32 (zlib's), checked when the index is loaded: a damaged shard is refused,
    /// not read as numbers. Absent in indexes written before checksums (they load unchecked).
    public var shardCRC32: [UInt32]?
    public var images: [IndexedImage]
    /// With `atlas index build --shard K/N`: the part of the photo list this index holds, the
    /// sha256 of the whole list's relative paths (what the parts of one run share), and whether
    /// the part's build went through all its photos. Nil for a whole index.
    public var part: PhotoListPart?
    public var photoListSHA256: String?
    public var partFinished: Bool?

    public static let currentFormat = "atlas-index/1"
    public static let fileName = "index.json"

    public init(origin: GridOrigin, scales: [Int]) {
        (self.format, self.origin, self.scales) = (Self.currentFormat, origin, scales)
        (shards, shardCRC32, images) = ([], [], [])
    }
}

extension IndexManifest {
    /// The layer's numbers, the scales and each photo's shard and grids in the ranges an index can
    /// have (the shard reader checks each grid's bytes against its shard).
    public var outOfBounds: String? {
        if let problem = firstOutOfBounds([("origin.channels", origin.channels), ("origin.stride", origin.stride)], 1...65536)
            ?? firstOutOfBounds([("scales (how many)", scales.count)], 1...64)
            ?? firstOutOfBounds(scales.enumerated().map { ("scales[\($0)]", $1) }, 1...65536) {
            return problem
        }
        if shards.isEmpty && !images.isEmpty { return "images: \(images.count) photos but no shards to hold their grids" }
        for (number, image) in images.enumerated() {
            let name = "images[\(number)]"
            if let problem = firstOutOfBounds([("\(name).shard", image.shard)], 0...max(shards.count - 1, 0))
                ?? firstOutOfBounds([("\(name).grids (how many)", image.grids.count)], scales.count...scales.count)
                ?? firstOutOfBounds(image.grids.enumerated().flatMap { grid, stored in
                    [("\(name).grids[\(grid)].rows", stored.rows), ("\(name).grids[\(grid)].columns", stored.columns)] }, 1...65536) {
                return problem
            }
        }
        return nil
    }
}

/// One indexed photo.
public struct IndexedImage: Codable, Sendable, Equatable {
    public var path: String
    /// File size in bytes and sha256 of the file's bytes.
    public var bytes: Int
    public var sha256: String
    /// The photo's own size in pixels.
    public var width: Int
    public var height: Int
    /// Index into the manifest's `shards`.
    public var shard: Int
    /// One grid per scale, in the manifest's scale order.
    public var grids: [StoredGrid]

    public init(path: String, bytes: Int, sha256: String, width: Int, height: Int, shard: Int, grids: [StoredGrid]) {
        (self.path, self.bytes, self.sha256, self.width, self.height) = (path, bytes, sha256, width, height)
        (self.shard, self.grids) = (shard, grids)
    }
}

/// Where one grid lies in its shard: at `offset`, channels x (rows * columns) int8 codes
/// (`UnitVectorCodes`, channel-major), then rows * columns float32 scales, then the grid's mean
/// activation (channels float32, before normalising: the global-average-pool baseline), all
/// little-endian.
public struct StoredGrid: Codable, Sendable, Equatable {
    public var scale: Int
    public var rows: Int
    public var columns: Int
    public var offset: Int

    public init(scale: Int, rows: Int, columns: Int, offset: Int) {
        (self.scale, self.rows, self.columns, self.offset) = (scale, rows, columns, offset)
    }

    /// Bytes of the grid's block in a shard.
    public func byteCount(channels: Int) -> Int {
        rows * columns * (channels + 4) + 4 * channels
    }
}
