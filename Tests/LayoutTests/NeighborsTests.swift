import XCTest
@testable import Layout

final class NeighborsTests: XCTestCase {
    /// Exact search against a plain double loop written independently here.
    func testExactNeighboursMatchBruteForce() throws {
        let points = TestData.uniform(count: 300, dimension: 21, seed: 3)
        for metric in Metric.allCases {
            let graph = try NearestNeighbors.search(points, k: 7, metric: metric, method: .exact)
            for i in stride(from: 0, to: 300, by: 37) {
                let reference = (0..<300).filter { $0 != i }
                    .map { j in (j, referenceDistance(points, i, j, metric)) }
                    .sorted { $0.1 < $1.1 }.prefix(7)
                XCTAssertEqual(graph.indices[(i * 7)..<(i * 7 + 7)].map(Int.init), reference.map(\.0), "row \(i), \(metric)")
                for (got, want) in zip(graph.distances[(i * 7)..<(i * 7 + 7)], reference.map(\.1)) {
                    XCTAssertEqual(Double(got), want, accuracy: 1e-4 * max(1, want))
                }
            }
        }
    }

    func testApproximateNeighboursRecallAtLeast95Percent() throws {
        let points = TestData.uniform(count: 2000, dimension: 16, seed: 11)
        for metric in Metric.allCases {
            let exact = try NearestNeighbors.search(points, k: 10, metric: metric, method: .exact)
            let approximate = try NearestNeighbors.search(points, k: 10, metric: metric, method: .approximate, seed: 1)
            let recall = approximate.recall(against: exact)
            XCTAssertGreaterThanOrEqual(recall, 0.95, "\(metric)")
            XCTAssertLessThanOrEqual(recall, 1.0)
        }
    }

    /// The transposed neighbour lists that candidate sampling reads: every filled slot once,
    /// under the point it names, in increasing slot order.
    func testReverseNeighboursListEverySlotUnderItsNeighbour() {
        var heaps = NeighborHeaps(count: 6, k: 3)
        heaps.indices = [1, 2, -1, 0, 2, 5, 4, 0, 1, 2, -1, -1, 0, 1, 3, 2, 4, 0]
        let reverse = NNDescent.ReverseNeighbors(heaps)
        XCTAssertEqual(reverse.offsets, [0, 4, 7, 11, 12, 14, 15])
        XCTAssertEqual(reverse.slots, [3, 7, 12, 17, 0, 8, 13, 1, 4, 9, 15, 14, 6, 16, 5])
        for row in 0..<6 {
            for slot in reverse.slots[reverse.offsets[row]..<reverse.offsets[row + 1]] {
                XCTAssertEqual(Int(heaps.indices[Int(slot)]), row)
            }
        }
    }

    func testTooFewPointsIsAnError() {
        let points = TestData.uniform(count: 5, dimension: 3, seed: 1)
        XCTAssertThrowsError(try NearestNeighbors.search(points, k: 5, metric: .euclidean)) { error in
            XCTAssertEqual(error as? LayoutError, .tooFewPoints(count: 5, needed: 6, reason: "each point needs 5 neighbours"))
        }
    }

    func testNonFiniteInputNamesTheRow() {
        var values = [Float](repeating: 1, count: 12)
        values[7] = .nan
        XCTAssertThrowsError(try Points(count: 4, dimension: 3, values: values)) { error in
            XCTAssertTrue("\(error)".contains("row 2, column 1"), "\(error)")
        }
    }

    private func referenceDistance(_ points: Points, _ i: Int, _ j: Int, _ metric: Metric) -> Double {
        let d = points.dimension
        let a = points.values[(i * d)..<(i * d + d)].map(Double.init), b = points.values[(j * d)..<(j * d + d)].map(Double.init)
        switch metric {
        case .euclidean:
            return zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        case .cosine:
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            let norms = (a.reduce(0) { $0 + $1 * $1 } * b.reduce(0) { $0 + $1 * $1 }).squareRoot()
            return 1 - dot / norms
        }
    }
}
