import Foundation
import Imaging
import Optvis
import Search
import TestSupport
import XCTest

/// Scoring, placement, free cells, scales and self-retrieval.
final class GridSearchTests: XCTestCase {
    private let origin = GridOrigin(model: "m", weightsSHA256: "s", layer: "l", channels: 20, stride: 16)

    private func randomGrid(rows: Int, columns: Int, channels: Int = 20, using generator: inout SeededGenerator) throws -> ActivationGrid {
        try ActivationGrid(channels: channels, rows: rows, columns: columns,
                           values: (0..<rows * columns * channels).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    /// The best placement by brute force over decoded vectors: the mean over set cells of the
    /// cosine with the aligned position, free cells ignored.
    private func bruteForce(_ query: GridQuery, _ index: GridIndex, grid number: Int) -> (score: Float, row: Int, column: Int)? {
        let grid = index.grids[number], vectors = index.vectors(ofGrid: number), channels = index.origin.channels
        guard query.rows <= grid.rows, query.columns <= grid.columns else { return nil }
        var best: (score: Float, row: Int, column: Int) = (-.infinity, 0, 0)
        for top in 0...(grid.rows - query.rows) {
            for left in 0...(grid.columns - query.columns) {
                let cells = query.setCells
                let total = cells.reduce(Float(0)) { sum, cell in
                    let position = (top + cell.row) * grid.columns + left + cell.column
                    return sum + cosine(cell.vector, Array(vectors[position * channels..<(position + 1) * channels]))
                }
                if total / Float(cells.count) > best.score { best = (total / Float(cells.count), top, left) }
            }
        }
        return best
    }

    /// Random grids of several sizes and random queries with free cells: every image's score and
    /// place agree with the brute force.
    func testScoresMatchBruteForceWithFreeCells() throws {
        var generator = SeededGenerator(seed: 7)
        var index = GridIndex(origin: origin)
        for image in 0..<12 {
            let number = index.addImage(path: "image\(image)")
            try index.add(randomGrid(rows: 3 + image % 4, columns: 4 + image % 3, using: &generator), image: number, side: 224)
        }
        for trial in 0..<20 {
            let (rows, columns) = (1 + trial % 3, 1 + trial % 4)
            var cells: [[Float]?] = (0..<rows * columns).map { _ in
                Bool.random(using: &generator) ? nil : (0..<20).map { _ in Float.random(in: -1...1, using: &generator) }
            }
            if cells.allSatisfy({ $0 == nil }) { cells[0] = (0..<20).map { Float($0) - 9.5 } }
            let query = try GridQuery(rows: rows, columns: columns, cells: cells)
            let matches = try index.bestMatches(query)
            for number in 0..<12 {
                let expected = bruteForce(query, index, grid: number)
                guard let expected else { XCTAssertNil(matches[number]); continue }
                let match = try XCTUnwrap(matches[number])
                XCTAssertEqual(match.score, expected.score, accuracy: 1e-5)
                XCTAssertEqual([match.row, match.column], [expected.row, expected.column], "trial \(trial) image \(number)")
            }
        }
    }

    /// A planted pattern is found at its place; free cells over noise do not lower the score.
    func testFindsPlantedPatternAtItsOffset() throws {
        let a: [Float] = (0..<20).map { $0 < 10 ? 1 : 0 }, b: [Float] = (0..<20).map { $0 >= 10 ? 1 : 0 }
        var values = [Float](repeating: 0, count: 5 * 6 * 20)
        for position in 0..<30 { for c in 0..<20 { values[position * 20 + c] = c % 2 == 0 ? 0.3 : -0.3 } }
        func put(_ vector: [Float], row: Int, column: Int) {
            for c in 0..<20 { values[(row * 6 + column) * 20 + c] = vector[c] }
        }
        put(a, row: 2, column: 3)
        put(b, row: 3, column: 4)
        var index = GridIndex(origin: origin)
        try index.add(ActivationGrid(channels: 20, rows: 5, columns: 6, values: values), image: index.addImage(path: "p"), side: 224)
        let query = try GridQuery(rows: 2, columns: 2, cells: [a, nil, nil, b])
        let hit = try XCTUnwrap(try index.ranking(query, top: 1).first)
        XCTAssertEqual([hit.row, hit.column], [2, 3])
        XCTAssertEqual(hit.score, 1, accuracy: 1e-4)
        XCTAssertEqual(hit.path, "p")
    }

    /// A query larger than an image's small-scale grid still matches its larger-scale grid; an
    /// image with no grid large enough gets no hit.
    func testScalesAndQueriesLargerThanGrids() throws {
        var generator = SeededGenerator(seed: 3)
        var index = GridIndex(origin: origin)
        let both = index.addImage(path: "both"), small = index.addImage(path: "small")
        try index.add(randomGrid(rows: 2, columns: 2, using: &generator), image: both, side: 32)
        let large = try randomGrid(rows: 5, columns: 5, using: &generator)
        try index.add(large, image: both, side: 80)
        try index.add(randomGrid(rows: 2, columns: 2, using: &generator), image: small, side: 32)
        let query = try large.region(rows: 1..<4, columns: 2..<5)
        let hits = try index.ranking(query, top: 5)
        XCTAssertEqual(hits.count, 1)
        XCTAssertEqual([hits[0].image, hits[0].row, hits[0].column, hits[0].side], [both, 1, 2, 80])
        XCTAssertGreaterThan(hits[0].score, 0.999)
    }

    func testQueryChecks() throws {
        XCTAssertThrowsError(try GridQuery(rows: 1, columns: 2, cells: [nil, nil]))
        XCTAssertThrowsError(try GridQuery(rows: 1, columns: 1, cells: [[0, 0]])) { XCTAssertTrue("\($0)".contains("all zeros")) }
        XCTAssertThrowsError(try GridQuery(rows: 1, columns: 2, cells: [[1, 0], [1]]))
        let index = GridIndex(origin: origin)
        XCTAssertThrowsError(try index.ranking(GridQuery(vector: [1, 2]), top: 1)) { XCTAssertTrue("\($0)".contains("20")) }
    }

    /// 3x3 regions cut at random from photos' float32 grids find their photo first at the place
    /// and scale they came from (int8 index of 8 random photos at two scales).
    func testSelfRetrieval() throws {
        let folder = try TestFiles.temporaryFolder("search")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let paths = try (0..<8).map { number -> String in
            let path = folder + "/\(number).png"
            try SearchFixtures.writeRandomPhoto(to: path, width: 64, height: 48 + 8 * (number % 2), seed: UInt64(100 + number))
            return path
        }
        _ = try IndexBuilder(folder: folder + "/index", source: PixelGridSource(), scales: [40, 64]).build(paths)
        let index = try IndexFolder.load(folder + "/index").index
        var generator = SeededGenerator(seed: 11)
        var found = 0
        let trials = 60
        for _ in 0..<trials {
            let number = Int.random(in: 0..<8, using: &generator), side = [40, 64].randomElement(using: &generator)!
            let grid = try PixelGridSource.grid(of: IndexView.fitted(decodeImage(at: paths[number]), side: side))
            let row = Int.random(in: 0...(grid.rows - 3), using: &generator)
            let column = Int.random(in: 0...(grid.columns - 3), using: &generator)
            let hit = try XCTUnwrap(try index.ranking(grid.region(rows: row..<row + 3, columns: column..<column + 3), top: 1).first)
            if hit.image == number, hit.row == row, hit.column == column, hit.side == side { found += 1 }
        }
        XCTAssertGreaterThanOrEqual(Double(found) / Double(trials), 0.95, "\(found) of \(trials)")
    }

    /// One line per hit with the keys the issue gives, valid JSON even for odd names.
    func testJSONLine() throws {
        let hit = SearchHit(image: 0, path: "data/a \"b\"\\c.jpg", score: 0.87654, row: 3, column: 4, side: 224)
        let line = SearchOutput.jsonLine(hit)
        XCTAssertEqual(line, #"{"image": "data/a \"b\"\\c.jpg", "score": 0.8765, "row": 3, "col": 4}"#)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["image"] as? String, hit.path)
        XCTAssertEqual(Set(object.keys), ["image", "score", "row", "col"])
    }
}

/// Precision at k of the grid search against the global-average baseline, on a small case
/// where the concept fills a corner of its images and the rest is shared clutter.
final class RetrievalQualityTests: XCTestCase {
    func testRankingAndPrecision() {
        XCTAssertEqual(RetrievalQuality.ranking([0.5, nil, 0.9, 0.5]), [2, 0, 3, 1])
        XCTAssertEqual(RetrievalQuality.precision(at: 2, ranking: [2, 0, 3, 1], relevant: [2, 3]), 0.5)
    }

    func testLocalConceptBeatsGlobalAverage() throws {
        var generator = SeededGenerator(seed: 5)
        let channels = 16
        func unit(_ index: Int) -> [Float] { (0..<channels).map { $0 == index ? 1 : 0 } }
        var index = GridIndex(origin: GridOrigin(model: "m", weightsSHA256: "s", layer: "l", channels: channels, stride: 16))
        var relevant = Set<Int>()
        for image in 0..<20 {
            // Clutter: channels 1...15 at random; images 0..<10 hold the concept (channel 0) in
            // one cell, the others carry a weak channel-0 tint everywhere.
            let hasConcept = image < 10
            var values: [Float] = []
            for position in 0..<16 {
                var vector = (0..<channels).map { $0 == 0 ? Float(0) : Float.random(in: 0...1, using: &generator) }
                if hasConcept && position == image % 16 { vector = unit(0) }
                if !hasConcept { vector[0] = 0.6 }
                values += vector
            }
            let number = index.addImage(path: "\(image)")
            try index.add(ActivationGrid(channels: channels, rows: 4, columns: 4, values: values), image: number, side: 64)
            if hasConcept { relevant.insert(number) }
        }
        let query = try GridQuery(vector: unit(0))
        let search = RetrievalQuality.ranking(try index.bestMatches(query).map { $0?.score })
        let baseline = RetrievalQuality.ranking(index.globalAverageScores(unit(0)))
        XCTAssertEqual(RetrievalQuality.precision(at: 10, ranking: search, relevant: relevant), 1)
        XCTAssertLessThan(RetrievalQuality.precision(at: 10, ranking: baseline, relevant: relevant), 0.5)
    }
}
