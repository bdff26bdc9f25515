import ArrayFiles
import Foundation

/// Writes an index of grids made elsewhere, not seen by a network from photo files: the
/// synthetic million-photo index of `atlas-bench search --synthetic`, and tests. The folder is
/// the one `atlas index build` writes (shards, then index.json), so every reader takes it.
public struct IndexWriter {
    public let folder: String
    private var manifest: IndexManifest

    /// A new index in `folder`, which must not hold one yet.
    public init(folder: String, origin: GridOrigin, scales: [Int]) throws {
        guard !scales.isEmpty, scales.allSatisfy({ $0 > 0 }) else { throw SearchError("scales must be positive input sides, got \(scales)") }
        guard try IndexFolder.manifest(in: folder) == nil else { throw SearchError("\(folder): already holds an index") }
        try ArtefactFolder.check(folder, willHold: ArtefactFolder.index)
        try FileManager.default.createDirectory(atPath: IndexFolder.path(folder, "shards"), withIntermediateDirectories: true)
        (self.folder, manifest) = (folder, IndexManifest(origin: origin, scales: scales))
    }

    /// Writes one shard of images: each a name (its path in the index) and one grid per scale.
    public mutating func append(_ images: [(path: String, grids: [ActivationGrid])]) throws {
        for image in images {
            guard image.grids.count == manifest.scales.count, image.grids.allSatisfy({ $0.channels == manifest.origin.channels }) else {
                throw SearchError("\(image.path): \(image.grids.count) grids, expected one of \(manifest.origin.channels) channels at "
                    + "each of \(manifest.scales.count) scales")
            }
        }
        let number = manifest.shards.count
        let (stored, checksum) = try IndexFolder.writeShard(images.map(\.grids), scales: manifest.scales, folder: folder, number: number)
        manifest.shards.append(IndexFolder.shardName(number))
        manifest.shardCRC32?.append(checksum)
        let side = manifest.scales.max() ?? 0
        for (image, grids) in zip(images, stored) {
            manifest.images.append(IndexedImage(path: image.path, bytes: 0, sha256: "", width: side, height: side, shard: number,
                                                grids: grids))
        }
    }

    /// Writes index.json: the index is complete.
    public func finish() throws {
        try IndexFolder.writeManifest(manifest, folder: folder)
    }
}
