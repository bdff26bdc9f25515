import XCTest
@testable import Layout
import CLayoutKernels

final class UMAPTests: XCTestCase {
    /// umap-learn 0.5 (scipy curve_fit), checked in .deps/venv-layout:
    /// find_ab_params(1.0, 0.1) = (1.5769434602697652, 0.8950608778515733),
    /// find_ab_params(1.0, 0.01) = (1.8956058664339035, 0.8006378442860499).
    func testCurveFitMatchesUmapLearn() {
        let defaults = CurveFit.ab(minDist: 0.1, spread: 1.0)
        XCTAssertEqual(defaults.a, 1.5769434602697652, accuracy: 1e-4)
        XCTAssertEqual(defaults.b, 0.8950608778515733, accuracy: 1e-4)
        let tight = CurveFit.ab(minDist: 0.01, spread: 1.0)
        XCTAssertEqual(tight.a, 1.8956058664339035, accuracy: 1e-4)
        XCTAssertEqual(tight.b, 0.8006378442860499, accuracy: 1e-4)
    }

    /// The epoch kernel's power (every sample's d^b) against Foundation's, over the squared
    /// distances a layout meets and the exponents that min-dist gives.
    func testKernelPowerMatchesFoundation() {
        var worst: Double = 0
        for y: Float in [0.5, 0.79, 1.0, 1.58, 1.93] {
            for decade in -12...6 {
                let x = (0..<8).map { Float(pow(10, Double(decade) + Double($0) / 8)) }
                var result = [Float](repeating: 0, count: 8)
                atlas_fast_pow8(x, y, &result)
                for (a, r) in zip(x, result) {
                    let want = pow(Double(a), Double(y))
                    worst = max(worst, abs(Double(r) - want) / want)
                }
            }
        }
        XCTAssertLessThan(worst, 2e-4)
    }

    /// The epoch kernel lists an edge of frequency f (in 65,536ths) as due where umap-learn's
    /// counter would fire: first at epoch ceil(65536 / f), then every 65536 / f epochs, floor(n f /
    /// 65536) times by epoch n. Rows of 0 to 40 edges cover the kernel's 16-wide steps and their
    /// partial ends.
    func testKernelListsTheDueEdges() {
        var random = SeededGenerator(seed: 4, stream: 1)
        var offsets: [Int64] = [0], tails: [Int32] = [], frequencies: [UInt16] = []
        for _ in 0..<60 {
            for _ in 0..<random.index(below: 41) {
                tails.append(Int32(random.index(below: 1000)))
                // Every 1 to 300 epochs, with the exact frequencies 1 and 1/2 among them.
                let choice = random.index(below: 10)
                frequencies.append(choice == 0 ? 65535 : choice == 1 ? 32767 : UInt16(218 + random.index(below: 65318)))
            }
            offsets.append(Int64(tails.count))
        }
        var fired = [Int](repeating: 0, count: tails.count)
        var first = [Int](repeating: 0, count: tails.count)
        var scratch = [Int32](repeating: -7, count: 60 + tails.count + 15)
        for epoch in 1..<400 {
            let count = offsets.withUnsafeBufferPointer { offsets in
                tails.withUnsafeBufferPointer { tails in
                    frequencies.withUnsafeBufferPointer { frequencies in
                        var round = atlas_umap_round(
                            epoch: Int32(epoch), alpha: 0, a: 0, b: 0, repulsion: 0, negative_rate: 5, count: 1000,
                            positions: nil, snapshot: nil, offsets: offsets.baseAddress!, tails: tails.baseAddress!,
                            frequencies: frequencies.baseAddress!)
                        return atlas_umap_list_due(&round, 0, 60, &scratch)
                    }
                }
            }
            var listed = 60
            for row in 0..<60 {
                for e in Int(offsets[row])..<Int(offsets[row + 1]) {
                    let f = Int(frequencies[e]) + 1
                    guard epoch * f / 65536 > (epoch - 1) * f / 65536 else { continue }
                    XCTAssertEqual(scratch[listed], tails[e], "epoch \(epoch), edge \(e)")
                    listed += 1
                    fired[e] += 1
                    if first[e] == 0 { first[e] = epoch }
                }
                XCTAssertEqual(Int(scratch[row]), listed - 60, "end of row \(row), epoch \(epoch)")
            }
            XCTAssertEqual(Int(count), listed - 60)
        }
        for e in tails.indices {
            let f = Double(frequencies[e]) + 1
            XCTAssertEqual(first[e], Int((65536 / f).rounded(.up)), "edge \(e)")
            XCTAssertEqual(fired[e], Int(399 * f / 65536), "edge \(e)")
        }
    }

    /// The schedule keeps an edge's weight over the largest as its frequency, in 65,536ths, and
    /// drops the edges that would fire less than once in the epochs.
    func testScheduleFrequencies() throws {
        let points = TestData.uniform(count: 300, dimension: 5, seed: 3)
        let graph = FuzzySimplicialSet.build(try NearestNeighbors.search(points, k: 9, metric: .euclidean))
        let largest = graph.weights.max()!
        let schedule = EdgeSchedule(graph, epochs: 50)
        var kept = 0
        for row in 0..<graph.count {
            var next = Int(schedule.offsets[row])
            for e in graph.offsets[row]..<graph.offsets[row + 1] where graph.weights[e] >= largest / 50 {
                XCTAssertEqual(schedule.tails[next], graph.columns[e])
                XCTAssertEqual(Double(schedule.frequencies[next]) + 1, Double(graph.weights[e] / largest) * 65536, accuracy: 0.5)
                next += 1
            }
            XCTAssertEqual(next, Int(schedule.offsets[row + 1]))
            kept = next
        }
        XCTAssertLessThan(kept, graph.edgeCount)
    }

    func testSmoothDistancesHitTheTarget() {
        let distances: ArraySlice<Float> = [0.5, 0.7, 0.8, 1.1, 1.3, 2.0]
        let target = log2(Float(7))
        let (rho, sigma) = FuzzySimplicialSet.smoothDistances(distances, target: target, meanDistance: 1)
        XCTAssertEqual(rho, 0.5)
        let sum = distances.reduce(Float(0)) { $0 + ($1 - rho <= 0 ? 1 : exp(-($1 - rho) / sigma)) }
        XCTAssertEqual(sum, target, accuracy: 1e-3)
    }

    func testFuzzyGraphIsSymmetric() throws {
        let points = TestData.uniform(count: 200, dimension: 5, seed: 2)
        let graph = FuzzySimplicialSet.build(try NearestNeighbors.search(points, k: 9, metric: .euclidean))
        var weights: [Int: Float] = [:]
        for i in 0..<graph.count {
            for e in graph.offsets[i]..<graph.offsets[i + 1] { weights[i * 1000 + Int(graph.columns[e])] = graph.weights[e] }
        }
        for (key, w) in weights {
            XCTAssertEqual(weights[(key % 1000) * 1000 + key / 1000], w, "edge \(key / 1000)-\(key % 1000)")
            XCTAssertTrue(w > 0 && w <= 1)
        }
    }

    func testSeparatedClustersStaySeparated() throws {
        let (points, labels) = TestData.blobs(clusters: 3, perCluster: 100, dimension: 10, separation: 20, seed: 5)
        for metric in Metric.allCases {
            var options = UMAPOptions()
            options.neighbors = 10
            options.metric = metric
            options.epochs = 100
            let embedding = try UMAP.embed(points, options: options)
            XCTAssertEqual(embedding.values.count, 600)
            XCTAssertEqual(nearestNeighbourAgreement(embedding, labels: labels), 1.0, "\(metric)")
            XCTAssertGreaterThan(separationRatio(embedding, labels: labels), 1.0, "\(metric)")
        }
    }

    /// The epoch kernel holds 1-2 output dimensions as 2 floats a point and 3-4 as 4: each
    /// width keeps separated clusters apart.
    func testEveryOutputDimensionSeparatesClusters() throws {
        let (points, labels) = TestData.blobs(clusters: 3, perCluster: 60, dimension: 8, separation: 20, seed: 7)
        for dimensions in 1...4 {
            var options = UMAPOptions()
            options.neighbors = 10
            options.dimensions = dimensions
            options.epochs = 100
            let embedding = try UMAP.embed(points, options: options)
            XCTAssertEqual(embedding.values.count, 180 * dimensions)
            XCTAssertTrue(embedding.values.allSatisfy(\.isFinite), "\(dimensions) dimensions")
            XCTAssertGreaterThan(nearestNeighbourAgreement(embedding, labels: labels), 0.95, "\(dimensions) dimensions")
        }
    }

    /// Ten clusters on ten orthogonal axes: the k-NN graph falls apart into ten pieces, so the
    /// start is PCA, whose plane mixes most of them (its agreement is checked to be poor); only
    /// the optimisation separates them.
    func testOptimisationSeparatesClustersThatItsStartMixes() throws {
        try assertOptimisationSeparatesMixedClusters("UMAP") { points, optimise in
            var options = UMAPOptions()
            options.neighbors = 10
            options.epochs = optimise ? 200 : 0
            return try UMAP.embed(points, options: options)
        }
    }

    func testSeedReproducesTheLayoutExactly() throws {
        let (points, _) = TestData.blobs(clusters: 2, perCluster: 80, dimension: 6, separation: 5, seed: 9)
        var options = UMAPOptions()
        options.neighbors = 8
        options.epochs = 60
        options.seed = 42
        let first = try UMAP.embed(points, options: options)
        let second = try UMAP.embed(points, options: options)
        XCTAssertEqual(first, second)
        options.seed = 43
        XCTAssertNotEqual(try UMAP.embed(points, options: options), first)
    }

    func testDisconnectedGraphFallsBackToPCA() throws {
        let (points, labels) = TestData.blobs(clusters: 2, perCluster: 60, dimension: 4, separation: 200, seed: 1)
        let graph = FuzzySimplicialSet.build(try NearestNeighbors.search(points, k: 5, metric: .euclidean))
        XCTAssertEqual(graph.components().count, 2)
        var random = SeededGenerator(seed: 0)
        let (coordinates, kind) = InitialLayout.make(graph, points: points, dimensions: 2, random: &random)
        XCTAssertEqual(kind, .pca)
        let embedding = Embedding(count: 120, dimension: 2, values: coordinates)
        XCTAssertGreaterThan(separationRatio(embedding, labels: labels), 1.0)
    }

    func testBadOptionsAreErrors() {
        let points = TestData.uniform(count: 50, dimension: 3, seed: 1)
        var options = UMAPOptions()
        options.minDist = 2
        XCTAssertThrowsError(try UMAP.embed(points, options: options))
        options = UMAPOptions()
        options.dimensions = 7
        XCTAssertThrowsError(try UMAP.embed(points, options: options))
        // The kernel holds the rate in 32 bits: a larger one trapped in the conversion.
        for rate in [0, UMAPOptions.maximumNegativeSampleRate + 1, Int(Int32.max) + 1] {
            options = UMAPOptions()
            options.negativeSampleRate = rate
            XCTAssertThrowsError(try UMAP.embed(points, options: options), "rate \(rate)")
        }
    }
}
