import XCTest
@testable import Layout

final class TSNETests: XCTestCase {
    /// Each point's conditional distribution has the requested perplexity, 2^H with H in bits.
    func testCalibrationHitsThePerplexity() {
        let squared = (1...30).map { Double($0) * 0.37 }
        let p = PerplexityAffinities.calibrate(squared, perplexity: 10)
        XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-9)
        let entropy = -p.reduce(0) { $0 + ($1 > 0 ? $1 * log($1) : 0) }
        XCTAssertEqual(exp(entropy), 10, accuracy: 1e-4)
    }

    func testSeparatedClustersStaySeparatedIn1DAnd2D() throws {
        let (points, labels) = TestData.blobs(clusters: 3, perCluster: 70, dimension: 8, separation: 20, seed: 4)
        for dimensions in [1, 2] {
            var options = TSNEOptions()
            options.dimensions = dimensions
            options.perplexity = 15
            options.earlyExaggerationIterations = 100
            options.iterations = 150
            let embedding = try TSNE.embed(points, options: options)
            XCTAssertEqual(embedding.values.count, 210 * dimensions)
            XCTAssertEqual(nearestNeighbourAgreement(embedding, labels: labels), 1.0, "\(dimensions)-D")
            XCTAssertGreaterThan(separationRatio(embedding, labels: labels), 1.0, "\(dimensions)-D")
        }
    }

    /// Ten clusters on ten orthogonal axes: the PCA start mixes most of them in its plane (its
    /// agreement is checked to be poor); only the optimisation separates them.
    func testOptimisationSeparatesClustersThatItsStartMixes() throws {
        try assertOptimisationSeparatesMixedClusters("t-SNE") { points, optimise in
            var options = TSNEOptions()
            options.perplexity = 15
            (options.earlyExaggerationIterations, options.iterations) = optimise ? (100, 150) : (0, 0)
            return try TSNE.embed(points, options: options)
        }
    }

    func testSeedReproducesTheLayoutExactly() throws {
        let (points, _) = TestData.blobs(clusters: 2, perCluster: 50, dimension: 5, separation: 6, seed: 8)
        var options = TSNEOptions()
        options.perplexity = 10
        options.earlyExaggerationIterations = 50
        options.iterations = 50
        options.seed = 7
        XCTAssertEqual(try TSNE.embed(points, options: options), try TSNE.embed(points, options: options))
    }

    /// The Barnes-Hut repulsion with theta = 0 equals the exact sum over all other points.
    func testBarnesHutWithThetaZeroIsExact() {
        var random = SeededGenerator(seed: 3)
        let positions = (0..<200).map { _ in SIMD2<Float>(Float(TestData.normal(&random)), Float(TestData.normal(&random))) }
        let tree = BarnesHutTree(positions, dimensions: 2)
        var stack: [Int32] = []
        positions.withUnsafeBufferPointer { y in
            for i in [0, 57, 199] {
                let (force, q) = tree.repulsion(on: i, at: y[i], positions: y.baseAddress!, theta: 0, stack: &stack)
                var exactForce = SIMD2<Double>(), exactQ = 0.0
                for j in 0..<200 where j != i {
                    let d = SIMD2<Double>(Double(y[i].x - y[j].x), Double(y[i].y - y[j].y))
                    let qj = 1 / (1 + (d * d).sum())
                    exactQ += qj
                    exactForce += qj * qj * d
                }
                XCTAssertEqual(q, exactQ, accuracy: 1e-3 * exactQ)
                XCTAssertEqual(Double(force.x), exactForce.x, accuracy: 1e-3 * max(1, abs(exactForce.x)))
                XCTAssertEqual(Double(force.y), exactForce.y, accuracy: 1e-3 * max(1, abs(exactForce.y)))
            }
        }
    }
}
