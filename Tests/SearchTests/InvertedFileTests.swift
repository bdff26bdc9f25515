import ArrayFiles
import Foundation
import InvertedFile
import Optvis
import Search
import TestSupport
import XCTest

/// The inverted file (IVF-PQ) over an index written by `IndexWriter`: its search against the
/// full scan, its staleness, and damaged files.
final class InvertedFileTests: XCTestCase {
    private var folder = ""
    private let origin = GridOrigin(model: "test", weightsSHA256: "none", layer: "grid", channels: 12, stride: 8)

    override func setUpWithError() throws {
        folder = try TestFiles.temporaryFolder("ivf")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A grid of clustered, non-negative activations (like a ReLU layer's): each position one of
    /// 20 directions, mixed with noise.
    private func grid(_ rows: Int, _ columns: Int, _ generator: inout SeededGenerator) throws -> ActivationGrid {
        var centres = SeededGenerator(seed: 99)
        let directions = (0..<20).map { _ in (0..<12).map { _ in Float.random(in: 0..<1, using: &centres) } }
        var values: [Float] = []
        for _ in 0..<rows * columns {
            let direction = directions[Int.random(in: 0..<20, using: &generator)]
            values += direction.map { max(0, $0 + Float.random(in: -0.3..<0.3, using: &generator)) }
        }
        return try ActivationGrid(channels: 12, rows: rows, columns: columns, values: values)
    }

    /// An index of `count` photos at two scales (5x5 and 7x7 grids), in shards of 16.
    private func writeIndex(_ count: Int, at path: String) throws -> [[ActivationGrid]] {
        var generator = SeededGenerator(seed: 5)
        var writer = try IndexWriter(folder: path, origin: origin, scales: [40, 56])
        var all: [[ActivationGrid]] = []
        for first in stride(from: 0, to: count, by: 16) {
            let photos = try (first..<min(count, first + 16)).map { _ in [try grid(5, 5, &generator), try grid(7, 7, &generator)] }
            try writer.append(photos.enumerated().map { ("photo-\(first + $0.offset)", $0.element) })
            all += photos
        }
        try writer.finish()
        return all
    }

    /// The mapped index scores as the index read into memory does, bit for bit.
    func testMappedIndexMatchesLoadedIndex() throws {
        let grids = try writeIndex(40, at: folder + "/index")
        let (mapped, loaded) = (try MappedIndex(folder + "/index"), try IndexFolder.load(folder + "/index").index)
        try mapped.verifyChecksums()
        XCTAssertEqual(mapped.positionCount, 40 * (25 + 49))
        for query in [try grids[3][1].region(rows: 2..<5, columns: 1..<4), try GridQuery(vector: Array(grids[7][0].vector(row: 1, column: 1)))] {
            XCTAssertEqual(try mapped.bestMatches(query), try loaded.bestMatches(query))
            XCTAssertEqual(try mapped.ranking(query, top: 7), try loaded.ranking(query, top: 7))
        }
    }

    /// Probing every list and keeping everything, the inverted file's answer is the full
    /// scan's exactly; with the default settings, regions of indexed photos find their photo
    /// first and the top 10 agree with the full scan's scores.
    func testInvertedSearchAgreesWithFullScan() throws {
        let grids = try writeIndex(200, at: folder + "/index")
        let manifest = try InvertedFileBuilder(lists: 24, sample: 4000).build(folder + "/index")
        XCTAssertTrue(abs(manifest.lists - 24) <= 3, "\(manifest.lists) lists")
        XCTAssertEqual(manifest.positions, 200 * 74)
        XCTAssertEqual(manifest.subspaces, 12)
        let index = try MappedIndex(folder + "/index")
        let file = try XCTUnwrap(try InvertedFile(of: index))
        let everything = InvertedSearch(index: index, file: file, settings: .init(probe: 1000, perCell: 1_000_000, candidates: 1000))
        let usual = InvertedSearch(index: index, file: file, settings: .init(perCell: 1024, candidates: 100))
        var generator = SeededGenerator(seed: 8)
        var recall = 0.0
        for trial in 0..<20 {
            let photo = Int.random(in: 0..<200, using: &generator), scale = trial % 2, size = trial % 3 == 0 ? 1 : 3
            let grid = grids[photo][scale]
            let row = Int.random(in: 0...(grid.rows - size), using: &generator), column = Int.random(in: 0...(grid.columns - size), using: &generator)
            let query = try grid.region(rows: row..<row + size, columns: column..<column + size)
            let exact = try index.ranking(query, top: 10)
            XCTAssertEqual(try everything.ranking(query, top: 10), exact)
            let found = try usual.ranking(query, top: 10)
            XCTAssertEqual(found.first?.score ?? 0, exact[0].score, accuracy: 1e-6, "trial \(trial)")
            recall += Double(found.filter { $0.score >= exact[9].score }.count) / 10 / 20
        }
        XCTAssertGreaterThan(recall, 0.9)
        // Several indexes searched together (scatter-gather) through their inverted files.
        XCTAssertEqual(try search(try grids[9][0].region(rows: 0..<2, columns: 0..<2), in: [everything, index], top: 5).map(\.image).first, 9)
    }

    /// An index changed after its inverted file was built is refused with the command that
    /// rebuilds it; damaged lists are refused naming the file.
    func testStaleAndDamagedFilesAreRefused() throws {
        _ = try writeIndex(40, at: folder + "/index")
        try InvertedFileBuilder(lists: 8).build(folder + "/index")
        let manifestPath = folder + "/index/index.json"
        let original = try XCTUnwrap(FileManager.default.contents(atPath: manifestPath))
        let edited = String(decoding: original, as: UTF8.self).replacingOccurrences(of: "photo-3\"", with: "photo-3b\"")
        try writeAtomically(Data(edited.utf8), to: manifestPath)
        XCTAssertThrowsError(try InvertedFile(of: MappedIndex(folder + "/index"))) {
            XCTAssertTrue("\($0)".contains("atlas index ivf \(folder)/index"), "\($0)")
        }
        try writeAtomically(original, to: manifestPath)
        let lists = folder + "/index/ivf/lists.bin"
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: lists))
        bytes[8 + 8 * 3 + 6] = 0xff  // list 3 starts past the entries
        try writeAtomically(bytes, to: lists)
        XCTAssertThrowsError(try InvertedFile(of: MappedIndex(folder + "/index"))) {
            XCTAssertTrue("\($0)".hasPrefix(lists + ": list 3 starts at entry"), "\($0)")
        }
        try writeAtomically(bytes.dropLast(), to: lists)
        XCTAssertThrowsError(try InvertedFile(of: MappedIndex(folder + "/index"))) {
            XCTAssertTrue("\($0)".hasPrefix(lists + ": "), "\($0)")
        }
        // Rebuilt, it opens again (the build replaces the folder whole), and a killed build's
        // temporary folder is cleared away.
        let abandoned = folder + "/index/ivf.building-2147483000"
        try FileManager.default.createDirectory(atPath: abandoned, withIntermediateDirectories: true)
        try InvertedFileBuilder(lists: 8).build(folder + "/index")
        XCTAssertFalse(FileManager.default.fileExists(atPath: abandoned))
        XCTAssertNotNil(try InvertedFile(of: MappedIndex(folder + "/index")))
    }

    /// An index with no photos has nothing to build from.
    func testEmptyIndexIsRefused() throws {
        try IndexWriter(folder: folder + "/empty", origin: origin, scales: [40]).finish()
        XCTAssertThrowsError(try InvertedFileBuilder().build(folder + "/empty")) {
            XCTAssertTrue("\($0)".contains("holds no photos"), "\($0)")
        }
    }
}
