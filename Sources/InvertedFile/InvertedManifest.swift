import ArrayFiles

/// `ivf/ivf.json`: what an index's inverted file holds and which state of the index it was built
/// from (docs/search.md, "Large indexes").
public struct InvertedManifest: VersionedJSON, Sendable, Equatable {
    /// "atlas-ivf/1".
    public var format: String
    public var lists: Int
    /// Product-quantiser runs per position (bytes per position in lists.bin, beside its 4-byte number).
    public var subspaces: Int
    public var codewords: Int
    public var channels: Int
    public var positions: Int
    public var images: Int
    /// index.json's size and CRC-32 when the file was built: an index changed since (photos
    /// added, re-indexed or merged) no longer matches, and is searched in full until the inverted
    /// file is built again.
    public var indexManifestBytes: Int
    public var indexManifestCRC32: UInt32
    /// The training sample's size and seed.
    public var sample: Int
    public var seed: UInt64

    public static let currentFormat = "atlas-ivf/1"
    public static let folderName = "ivf"
    public static let fileName = "ivf.json"

    public var outOfBounds: String? {
        firstOutOfBounds([("lists", lists)], 1...InvertedFileBuilder.storableLists)
            ?? firstOutOfBounds([("subspaces", subspaces), ("codewords", codewords)], 1...256)
            ?? firstOutOfBounds([("channels", channels)], 1...65536)
            ?? firstOutOfBounds([("positions", positions)], 0...Int(UInt32.max))
            ?? firstOutOfBounds([("images", images), ("indexManifestBytes", indexManifestBytes), ("sample", sample)], 0...Int.max)
            ?? (channels % subspaces == 0 ? nil : "'channels' (\(channels)) is not a multiple of 'subspaces' (\(subspaces))")
    }
}
