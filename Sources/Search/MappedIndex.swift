import ArrayFiles
import Foundation

/// An index on disk, searched where it lies: the shards are memory-mapped, not read into memory,
/// so an index of a million photos (about 20 GB at one scale of features.13) is opened at once
/// and a search reads only the grids it scores. `GridIndex` holds a small index in memory.
///
/// Every grid's place is checked against its shard's size when the index is opened. The shards'
/// CRC-32s are checked by `verifyChecksums()` (which reads every shard once: what a full scan
/// reads anyway); the inverted file's build checks them (`atlas index ivf`), and a search
/// through it trusts the shards it was built from.
public final class MappedIndex: @unchecked Sendable {
    // Unchecked: every property is a constant, and `bases` points into `shards`' read-only
    // mappings, which live as long as the object.
    public let folder: String
    public let manifest: IndexManifest
    /// Every grid, image by image in the manifest's order and scale by scale within an image:
    /// image i's grids are `i * scaleCount ..< (i + 1) * scaleCount`.
    public let grids: [Grid]
    /// Each grid's first position in the index's numbering of all positions, grid by grid, and
    /// the total last (grids.count + 1 numbers): the numbers the inverted file stores.
    public let firstPositions: [Int]
    /// index.json's size and CRC-32 as read: what an inverted file checks it was built from.
    public let manifestBytes: Int
    public let manifestCRC32: UInt32
    private let shards: [MappedFile]
    /// Each shard's first byte: what the hot loops read through (taking a `MappedFile` out of
    /// `shards` would count a reference per grid, an atomic operation the threads contend for).
    private let bases: [UnsafeRawPointer]
    private let channels: Int

    /// One grid: where its block lies in which shard.
    public struct Grid: Sendable {
        public let side: Int
        public let rows: Int
        public let columns: Int
        let shard: Int
        let offset: Int
    }

    public init(_ folder: String) throws {
        let manifestPath = IndexFolder.path(folder, IndexManifest.fileName)
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            throw SearchError("\(folder): no index here (build one with `atlas index build --images DIR -o \(folder)`)")
        }
        let manifestData = try RegularFile.read(manifestPath, kind: "index manifest", limit: RegularFile.jsonLimit)
        let manifest = try IndexManifest.decode(manifestData, path: manifestPath, kind: "index manifest")
        (manifestBytes, manifestCRC32) = (manifestData.count, crc32(manifestData))
        let shards = try manifest.shards.map { try MappedFile(IndexFolder.path(folder, $0), kind: "index shard") }
        if let checksums = manifest.shardCRC32, checksums.count != manifest.shards.count {
            throw SearchError("\(manifestPath): \(checksums.count) shard checksums for \(manifest.shards.count) shards (the index is "
                + "damaged: rebuild it)")
        }
        for shard in shards where !shard.bytes.starts(with: IndexFolder.shardMagic) {
            throw SearchError("\(shard.path): not an index shard")
        }
        let channels = manifest.origin.channels
        var grids: [Grid] = [], firstPositions = [0]
        grids.reserveCapacity(manifest.images.count * manifest.scales.count)
        firstPositions.reserveCapacity(manifest.images.count * manifest.scales.count + 1)
        for image in manifest.images {
            // outOfBounds (checked when index.json was read) keeps the shard number in range.
            let shardPath = shards[image.shard].path
            for grid in image.grids {
                guard grid.offset >= IndexFolder.shardMagic.count, let block = IndexFolder.blockEnd(grid, channels: channels),
                      block.end <= shards[image.shard].count else {
                    throw SearchError("\(shardPath): \(image.path)'s grid at scale \(grid.scale) (\(grid.rows) x \(grid.columns) "
                        + "positions of \(channels) channels at byte \(grid.offset)) lies outside the shard's "
                        + "\(shards[image.shard].count) bytes (the index is damaged: rebuild it)")
                }
                grids.append(Grid(side: grid.scale, rows: grid.rows, columns: grid.columns, shard: image.shard,
                                  offset: grid.offset))
                firstPositions.append(firstPositions.last! + block.positions)
            }
        }
        (self.folder, self.manifest, self.shards, self.grids, self.firstPositions) = (folder, manifest, shards, grids, firstPositions)
        bases = shards.map { $0.bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)! }
        self.channels = channels
    }

    /// Refuses a shard whose CRC-32 is not the one index.json recorded (indexes from before
    /// checksums have none to check).
    public func verifyChecksums() throws {
        guard let checksums = manifest.shardCRC32 else { return }
        for (shard, expected) in zip(shards, checksums) {
            let found = crc32(shard.bytes)
            guard found == expected else {
                throw SearchError("\(shard.path): its CRC-32 is \(String(format: "%08x", found)), index.json recorded "
                    + "\(String(format: "%08x", expected)) (the shard is damaged: rebuild the index)")
            }
        }
    }

    public var origin: GridOrigin { manifest.origin }
    public var imageCount: Int { manifest.images.count }
    public var scaleCount: Int { manifest.scales.count }
    public var positionCount: Int { firstPositions.last! }

    /// The encoded block of grid `number`.
    func codes(ofGrid number: Int) -> GridCodes {
        let grid = grids[number], positions = grid.rows * grid.columns
        let start = bases[grid.shard] + grid.offset
        return GridCodes(rows: grid.rows, columns: grid.columns, codes: start.assumingMemoryBound(to: Int8.self),
                         scales: start + positions * channels)
    }

    /// The unit vector of position `position` (in the index's numbering) into `vector`
    /// (`origin.channels` floats); returns the grid it lies in.
    @discardableResult
    public func decode(position: Int, into vector: UnsafeMutablePointer<Float>, grid hint: Int? = nil) -> Int {
        let number = hint ?? grid(ofPosition: position)
        let block = codes(ofGrid: number), positions = block.rows * block.columns, place = position - firstPositions[number]
        let scale = block.scales.loadUnaligned(fromByteOffset: place * 4, as: Float.self)
        for channel in 0..<channels { vector[channel] = Float(block.codes[channel * positions + place]) * scale }
        return number
    }

    /// The grid that holds position `position` (in the index's numbering).
    public func grid(ofPosition position: Int) -> Int {
        var (low, high) = (0, grids.count - 1)
        while low < high {
            let middle = (low + high + 1) / 2
            if firstPositions[middle] <= position { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Each of `images`' best placement of `query` over all offsets and scales, scored exactly
    /// from the int8 codes (as `GridIndex.bestMatches`); nil where no grid of the image is as large
    /// as the query. All images when `images` is nil.
    public func bestMatches(_ query: GridQuery, images: [Int]? = nil) throws -> [SearchHit?] {
        try origin.check(query: query)
        let scales = scaleCount
        let chosen = images ?? Array(0..<imageCount)
        let matches = bestPlacements(of: query, channels: channels, count: chosen.count * scales) {
            codes(ofGrid: chosen[$0 / scales] * scales + $0 % scales)
        }
        return chosen.indices.map { item in
            var best: SearchHit?
            for scale in 0..<scales {
                guard let match = matches[item * scales + scale] else { continue }
                if let current = best, current.score >= match.score { continue }
                let grid = grids[chosen[item] * scales + scale]
                best = SearchHit(image: chosen[item], path: manifest.images[chosen[item]].path, score: match.score, row: match.row,
                                 column: match.column, side: grid.side)
            }
            return best
        }
    }
}

extension GridOrigin {
    /// Refuses a query whose cells are not vectors of this layer.
    func check(query: GridQuery) throws {
        guard query.channels == channels else {
            throw SearchError("the query has \(query.channels) channels, but the index's layer \(layer) of \(model) has \(channels)")
        }
    }
}
