import ArrayFiles
import Dataset
import Foundation
import Imaging
import Search
import TestSupport
import XCTest

/// Building, reading, appending to and resuming an index on disk, with a pixel grid source.
final class IndexFolderTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try TestFiles.temporaryFolder("search")
        try FileManager.default.createDirectory(atPath: folder + "/photos", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func photos(_ count: Int, from first: Int = 0) throws -> [String] {
        try (first..<first + count).map { number in
            let path = folder + "/photos/\(number).png"
            try SearchFixtures.writeRandomPhoto(to: path, width: 48 + 8 * (number % 3), height: 40, seed: UInt64(number))
            return path
        }
    }

    /// Every photo's grids at both scales come back with their file facts, and the int8 codes
    /// keep each position's direction: cosine with the float32 vector above 0.9995.
    func testRoundTripKeepsDirections() throws {
        let paths = try photos(5), source = PixelGridSource()
        let report = try IndexBuilder(folder: folder + "/index", source: source, scales: [32, 48], batchSize: 2).build(paths)
        XCTAssertEqual(report.added, 5)
        let (manifest, index) = try IndexFolder.load(folder + "/index")
        XCTAssertEqual(manifest.origin, source.origin)
        XCTAssertEqual(manifest.scales, [32, 48])
        XCTAssertEqual(manifest.shards.count, 3)
        XCTAssertEqual(index.paths, paths)
        XCTAssertEqual(index.grids.count, 10)
        var worst: Float = 1
        for (number, path) in paths.enumerated() {
            let entry = manifest.images[number]
            let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
            XCTAssertEqual(entry.sha256, SHA256.hex(data))
            XCTAssertEqual(entry.bytes, data.count)
            XCTAssertEqual(entry.width, 48 + 8 * (number % 3))
            XCTAssertEqual(entry.grids.map { [$0.scale, $0.rows, $0.columns] }, [[32, 4, 4], [48, 6, 6]])
            let photo = try decodeImage(at: path)
            for (scaleIndex, side) in [32, 48].enumerated() {
                let grid = try PixelGridSource.grid(of: IndexView.fitted(photo, side: side))
                let decoded = index.vectors(ofGrid: number * 2 + scaleIndex)
                for position in 0..<grid.rows * grid.columns {
                    let original = Array(grid.values[position * 12..<(position + 1) * 12])
                    let stored = Array(decoded[position * 12..<(position + 1) * 12])
                    XCTAssertEqual(stored.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
                    worst = min(worst, cosine(original, stored))
                }
                XCTAssertEqual(Array(index.means[(number * 2 + scaleIndex) * 12..<(number * 2 + scaleIndex + 1) * 12]), grid.mean)
            }
        }
        XCTAssertGreaterThan(worst, 0.9995)
    }

    /// A second build over more photos adds only the new ones, in a new shard.
    func testAppendAddsOnlyNewPhotos() throws {
        let first = try photos(3)
        _ = try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [32]).build(first)
        let all = first + (try photos(2, from: 3))
        let source = PixelGridSource()
        let report = try IndexBuilder(folder: folder + "/index", source: source, scales: nil).build(all)
        XCTAssertEqual(report.added, 2)
        XCTAssertEqual(report.alreadyIndexed, 3)
        XCTAssertEqual(source.calls, 1)
        let (manifest, index) = try IndexFolder.load(folder + "/index")
        XCTAssertEqual(manifest.shards.count, 2)
        XCTAssertEqual(index.paths, all)
    }

    /// A changed photo is indexed again in place of its old entry.
    func testChangedPhotoIsReindexed() throws {
        let paths = try photos(2)
        _ = try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [32]).build(paths)
        try SearchFixtures.writeRandomPhoto(to: paths[0], width: 40, height: 40, seed: 99)
        let report = try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [32]).build(paths)
        XCTAssertEqual(report.added, 1)
        let (manifest, _) = try IndexFolder.load(folder + "/index")
        XCTAssertEqual(manifest.images.map(\.path), paths)
        XCTAssertEqual(manifest.images[0].width, 40)
    }

    /// A build that dies after its first batch keeps that batch; running again finishes the
    /// rest and gives the same index as an uninterrupted build.
    func testKilledBuildResumes() throws {
        let paths = try photos(6)
        let dying = PixelGridSource(failAfter: 1)
        XCTAssertThrowsError(try IndexBuilder(folder: folder + "/index", source: dying, scales: [32], batchSize: 2).build(paths))
        XCTAssertEqual(try IndexFolder.manifest(in: folder + "/index")?.images.map(\.path), Array(paths.prefix(2)))
        // A shard written just before the kill but never listed is overwritten, not read.
        try Data("ATLGRID1 junk".utf8).write(to: URL(fileURLWithPath: folder + "/index/shards/000001.grids"))
        let report = try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [32], batchSize: 2).build(paths)
        XCTAssertEqual(report.added, 4)
        XCTAssertEqual(report.alreadyIndexed, 2)
        _ = try IndexBuilder(folder: folder + "/straight", source: PixelGridSource(), scales: [32], batchSize: 2).build(paths)
        let (resumed, straight) = (try IndexFolder.load(folder + "/index").index, try IndexFolder.load(folder + "/straight").index)
        XCTAssertEqual(resumed.paths, straight.paths)
        XCTAssertEqual(resumed.codes, straight.codes)
        XCTAssertEqual(resumed.scales, straight.scales)
    }

    /// A file that looks like a JPEG but does not decode is reported and skipped.
    func testUnreadablePhotoIsSkipped() throws {
        var paths = try photos(2)
        let broken = folder + "/photos/broken.jpg"
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46, 0, 1, 2, 3]).write(to: URL(fileURLWithPath: broken))
        paths.insert(broken, at: 1)
        let report = try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [32]).build(paths)
        XCTAssertEqual(report.added, 2)
        XCTAssertEqual(report.skipped.map(\.path), [broken])
        XCTAssertFalse(report.skipped[0].reason.isEmpty)
        XCTAssertEqual(try IndexFolder.load(folder + "/index").index.paths, [paths[0], paths[2]])
    }

    /// Appending with another layer or other scales is refused, naming what differs.
    func testRefusesAnotherOriginOrScales() throws {
        let paths = try photos(1)
        _ = try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [32]).build(paths)
        XCTAssertThrowsError(try IndexBuilder(folder: folder + "/index", source: PixelGridSource(layer: "other"), scales: nil)) {
            XCTAssertTrue("\($0)".contains("layer pixels of pixel-test"), "\($0)")
        }
        XCTAssertThrowsError(try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [32, 48])) {
            XCTAssertTrue("\($0)".contains("holds scales 32"), "\($0)")
        }
    }

    /// A shard cut short is an error naming the shard, not a crash.
    func testTruncatedShardIsAnError() throws {
        let paths = try photos(2)
        _ = try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [32]).build(paths)
        let shard = folder + "/index/shards/000000.grids"
        let data = try XCTUnwrap(FileManager.default.contents(atPath: shard))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: shard))
        XCTAssertThrowsError(try IndexFolder.load(folder + "/index")) {
            XCTAssertTrue("\($0)".contains("000000.grids"), "\($0)")
        }
    }

    /// Random bytes in a shard, of the right length and with its magic intact, are refused by
    /// its checksum (they once scored around 1e37).
    func testADamagedShardIsRefusedByItsChecksum() throws {
        let paths = try photos(2)
        let manifest = try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [32]).build(paths).manifest
        XCTAssertEqual(manifest.shardCRC32?.count, 1)
        let shard = folder + "/index/shards/000000.grids"
        var bytes = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: shard)))
        var generator = SystemRandomNumberGenerator()
        for i in 8..<bytes.count { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        try Data(bytes).write(to: URL(fileURLWithPath: shard))
        XCTAssertThrowsError(try IndexFolder.load(folder + "/index")) {
            XCTAssertTrue("\($0)".contains("000000.grids: its CRC-32 is"), "\($0)")
        }
    }

    /// Parts built as on several machines (--shard K/N) and merged answer every query as the
    /// index built in one run; bad merges are refused with nothing written.
    func testShardedPartsMergeToOneIndex() throws {
        let paths = try photos(5), source = PixelGridSource()
        func build(_ name: String, part: PhotoListPart? = nil) throws {
            let chosen = part.map { Array(paths[$0.images]) } ?? paths
            _ = try IndexBuilder(folder: "\(folder)/\(name)", source: source, scales: [32, 48], batchSize: 2)
                .build(chosen, part: part.map { ($0, "the list") })
        }
        try build("whole")
        for k in 1...3 { try build("part\(k)", part: PhotoListPart(index: k, count: 3, total: 5)) }
        let merged = try IndexMerge.merge(["part3", "part1", "part2"].map { "\(folder)/\($0)" }, into: folder + "/merged")
        XCTAssertEqual(merged.images.map(\.path), paths)
        XCTAssertNil(merged.part)
        let (_, whole) = try IndexFolder.load(folder + "/whole"), (_, joined) = try IndexFolder.load(folder + "/merged")
        XCTAssertEqual(joined.paths, whole.paths)
        let grid = try PixelGridSource.grid(of: IndexView.fitted(decodeImage(at: paths[3]), side: 48))
        let query = try grid.region(rows: 0..<2, columns: 0..<2)
        let (expected, found) = (try whole.ranking(query, top: 10), try joined.ranking(query, top: 10))
        XCTAssertEqual(found.map { [$0.image, $0.row, $0.column, $0.side] }, expected.map { [$0.image, $0.row, $0.column, $0.side] })
        XCTAssertEqual(found.map { $0.score }, expected.map { $0.score })
        XCTAssertEqual(found.first?.image, 3)
        // The parts searched together, unmerged, give the same answer (scatter-gather).
        let parts = try (1...3).map { try IndexFolder.load("\(folder)/part\($0)").index }
        XCTAssertEqual(try search(query, in: parts, top: 10), found)

        func refusal(_ names: [String], into output: String = "again") -> String {
            do {
                try IndexMerge.merge(names.map { "\(folder)/\($0)" }, into: "\(folder)/\(output)")
                return "merged"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(refusal(["part1", "part1", "part2"]).contains("part 1/3 is given twice"))
        XCTAssertTrue(refusal(["part1", "part3"]).contains("part 2/3 is missing"))
        XCTAssertTrue(refusal(["whole", "part1"]).contains("not a part of a sharded index"))
        XCTAssertTrue(refusal(["part1", "part2", "part3"], into: "merged").contains("already holds an index"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/again/index.json"), "a refused merge writes nothing")
        // A part cannot be appended to by a whole build, nor a whole index by a part.
        XCTAssertThrowsError(try build("part1"))
        XCTAssertThrowsError(try build("whole", part: PhotoListPart(index: 1, count: 3, total: 5)))
    }

    /// Numbers in index.json that overflow, or that are negative, are an error naming the file and
    /// the number (when the manifest is read) or the shard (an offset outside it): not a trap, nor
    /// (in release builds, where Search is -Ounchecked) a read outside the shard. Found with the
    /// index-shard harness (Fuzz/corpus/index-shard/hostile-*.bin).
    func testManifestNumbersThatOverflowAreErrors() throws {
        _ = try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [32]).build(try photos(1))
        let manifest = try XCTUnwrap(IndexFolder.manifest(in: folder + "/index"))
        let edits: [(String, String, (inout IndexManifest) -> Void)] = [
            ("an offset near Int.max", "lies outside the shard", { $0.images[0].grids[0].offset = Int.max - 4 }),
            ("rows x columns past Int.max", "index.json: 'images[0].grids[0].rows' is 4294967296, expected 1 to 65536",
             { $0.images[0].grids[0].rows = 1 << 32; $0.images[0].grids[0].columns = 1 << 32 }),
            ("Int.max channels", "index.json: 'origin.channels' is 9223372036854775807", { $0.origin.channels = Int.max }),
            ("negative channels", "index.json: 'origin.channels' is -3", { $0.origin.channels = -3 }),
            // -4 x -4 is the grid's true 16 positions: it used to be accepted as a -4 x -4 grid.
            ("negative rows and columns", "index.json: 'images[0].grids[0].rows' is -4",
             { $0.images[0].grids[0].rows = -4; $0.images[0].grids[0].columns = -4 }),
            // Shard 0 of none passed the shard-number check, and the mapped reader read past its list.
            ("photos without shards", "index.json: images: 1 photos but no shards", { $0.shards = []; $0.shardCRC32 = [] }),
        ]
        for (what, says, edit) in edits {
            var hostile = manifest
            edit(&hostile)
            try JSONEncoder().encode(hostile).write(to: URL(fileURLWithPath: folder + "/index/" + IndexManifest.fileName))
            XCTAssertThrowsError(try IndexFolder.load(folder + "/index"), what) {
                XCTAssertTrue("\($0)".contains(says), "\(what): \($0)")
            }
            // The reader searches use (memory-mapped shards) refuses the same files.
            XCTAssertThrowsError(try MappedIndex(folder + "/index"), what) {
                XCTAssertTrue("\($0)".contains(says), "mapped, \(what): \($0)")
            }
        }
    }
}
