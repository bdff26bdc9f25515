import ArrayFiles
import Foundation
import Imaging

/// An index on disk: a folder with `index.json` (`IndexManifest`) and `shards/*.grids`, each
/// shard the encoded grids of one batch of images (layout in `StoredGrid`), starting with the
/// 8 bytes "ATLGRID1".
public enum IndexFolder {
    static let shardMagic = Array("ATLGRID1".utf8)

    /// The manifest in `folder`, or nil when there is no index there yet.
    public static func manifest(in folder: String) throws -> IndexManifest? {
        let path = self.path(folder, IndexManifest.fileName)
        return try IndexManifest.read(from: path, kind: "index manifest")
    }

    /// Reads the index in `folder` into memory, checking every grid's place in its shard.
    public static func load(_ folder: String) throws -> (manifest: IndexManifest, index: GridIndex) {
        guard let manifest = try manifest(in: folder) else {
            throw SearchError("\(folder): no index here (build one with `atlas index build --images DIR -o \(folder)`)")
        }
        return (manifest, try grids(of: manifest, in: folder) {
            try? RegularFile.read($0, kind: "index shard", limit: RegularFile.arrayLimit)
        })
    }

    /// The grids `manifest` lists, read from its shards in `folder`: `contents` gives a shard's
    /// bytes by path (nil when it is missing or unreadable). `load` reads the files; the shard
    /// fuzzer (Fuzz/Targets/index-shard.swift) hands in bytes.
    static func grids(of manifest: IndexManifest, in folder: String, contents: (String) -> Data?) throws -> GridIndex {
        var index = GridIndex(origin: manifest.origin)
        let channels = manifest.origin.channels
        if let checksums = manifest.shardCRC32, checksums.count != manifest.shards.count {
            throw SearchError("\(path(folder, IndexManifest.fileName)): \(checksums.count) shard checksums for \(manifest.shards.count) "
                + "shards (the index is damaged: rebuild it)")
        }
        // Photos are listed in shard order but for re-indexed ones: keep one shard in memory.
        var shard: (number: Int, bytes: [UInt8])?
        for image in manifest.images {
            guard image.shard >= 0, image.shard < manifest.shards.count else {
                throw SearchError("\(path(folder, IndexManifest.fileName)): \(image.path) refers to shard \(image.shard) of "
                    + "\(manifest.shards.count)")
            }
            let shardPath = path(folder, manifest.shards[image.shard])
            if shard?.number != image.shard {
                guard let data = contents(shardPath) else {
                    throw SearchError("\(shardPath): missing or unreadable shard (the index is damaged: rebuild it)")
                }
                guard data.starts(with: shardMagic) else { throw SearchError("\(shardPath): not an index shard") }
                if let expected = manifest.shardCRC32?[image.shard], case let found = crc32(data), found != expected {
                    throw SearchError("\(shardPath): its CRC-32 is \(String(format: "%08x", found)), index.json recorded "
                        + "\(String(format: "%08x", expected)) (the shard is damaged: rebuild the index)")
                }
                shard = (image.shard, [UInt8](data))
            }
            let bytes = shard!.bytes
            let number = index.addImage(path: image.path)
            for grid in image.grids {
                // The manifest's numbers are checked before they are used: release builds of Search
                // are -Ounchecked, where an overflow would wrap and the reads below go astray.
                guard channels > 0, grid.rows > 0, grid.columns > 0, grid.offset >= shardMagic.count,
                      let block = blockEnd(grid, channels: channels), block.end <= bytes.count else {
                    throw SearchError("\(shardPath): \(image.path)'s grid at scale \(grid.scale) (\(grid.rows) x \(grid.columns) "
                        + "positions of \(channels) channels at byte \(grid.offset)) lies outside the shard's \(bytes.count) bytes "
                        + "(the index is damaged: rebuild it)")
                }
                let (positions, end) = block
                let codes = bytes[grid.offset..<grid.offset + positions * channels].map { Int8(bitPattern: $0) }
                let floats = littleEndianFloats(bytes[(grid.offset + positions * channels)..<end])
                try index.add(codes: codes[...], scales: floats[..<positions], mean: floats[positions...], image: number,
                              side: grid.scale, rows: grid.rows, columns: grid.columns, channels: channels)
            }
        }
        return index
    }

    /// `grid`'s positions and where its block ends (`StoredGrid.byteCount`), or nil when that
    /// arithmetic overflows.
    static func blockEnd(_ grid: StoredGrid, channels: Int) -> (positions: Int, end: Int)? {
        let (positions, overflow1) = grid.rows.multipliedReportingOverflow(by: grid.columns)
        let (perPosition, overflow2) = channels.addingReportingOverflow(4)
        let (codesAndScales, overflow3) = positions.multipliedReportingOverflow(by: perPosition)
        let (mean, overflow4) = channels.multipliedReportingOverflow(by: 4)
        let (blockSize, overflow5) = codesAndScales.addingReportingOverflow(mean)
        let (end, overflow6) = grid.offset.addingReportingOverflow(blockSize)
        return overflow1 || overflow2 || overflow3 || overflow4 || overflow5 || overflow6 ? nil : (positions, end)
    }

    static func shardName(_ number: Int) -> String { String(format: "shards/%06d.grids", number) }

    /// Writes shard `number` of the index in `folder`: each image's grids, one per scale in
    /// `scales`' order; returns each image's stored grids and the shard's CRC-32.
    static func writeShard(_ grids: [[ActivationGrid]], scales: [Int], folder: String,
                           number: Int) throws -> (stored: [[StoredGrid]], checksum: UInt32) {
        var bytes = shardMagic
        var stored = [[StoredGrid]](repeating: [], count: grids.count)
        for scale in scales.indices {
            for (item, imageGrids) in grids.enumerated() {
                let grid = imageGrids[scale]
                stored[item].append(StoredGrid(scale: scales[scale], rows: grid.rows, columns: grid.columns, offset: bytes.count))
                bytes += block(grid)
            }
        }
        let data = Data(bytes)
        try writeAtomically(data, to: path(folder, shardName(number)))
        return (stored, crc32(data))
    }

    /// The bytes of one grid's block: codes, scales, mean.
    static func block(_ grid: ActivationGrid) -> [UInt8] {
        let (codes, scales) = UnitVectorCodes.encode(grid)
        var bytes = codes.map { UInt8(bitPattern: $0) }
        for value in scales + grid.mean {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
        }
        return bytes
    }

    static func writeManifest(_ manifest: IndexManifest, folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try writeAtomically(encoder.encode(manifest), to: path(folder, IndexManifest.fileName))
    }

    static func path(_ folder: String, _ relative: String) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent(relative).path
    }

    private static func littleEndianFloats(_ bytes: ArraySlice<UInt8>) -> [Float] {
        stride(from: bytes.startIndex, to: bytes.endIndex, by: 4).map { start in
            Float(bitPattern: UInt32(bytes[start]) | UInt32(bytes[start + 1]) << 8 | UInt32(bytes[start + 2]) << 16
                  | UInt32(bytes[start + 3]) << 24)
        }
    }
}
