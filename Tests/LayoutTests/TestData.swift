import Layout
import XCTest

/// Small seeded inputs for the tests.
enum TestData {
    /// `clusters` Gaussian blobs of `perCluster` points in `dimension` dimensions, centres
    /// `separation` apart along distinct axes, unit spread. Returns the points and labels.
    static func blobs(clusters: Int, perCluster: Int, dimension: Int, separation: Float, seed: UInt64) -> (Points, [Int]) {
        var random = SeededGenerator(seed: seed)
        var values: [Float] = [], labels: [Int] = []
        for c in 0..<clusters {
            for _ in 0..<perCluster {
                for d in 0..<dimension {
                    let centre: Float = d == c % dimension ? separation : 0
                    values.append(centre + Float(normal(&random)))
                }
                labels.append(c)
            }
        }
        return (try! Points(count: clusters * perCluster, dimension: dimension, values: values), labels)
    }

    /// Uniform random points in [0, 1)^dimension.
    static func uniform(count: Int, dimension: Int, seed: UInt64) -> Points {
        var random = SeededGenerator(seed: seed)
        let values = (0..<(count * dimension)).map { _ in Float(random.next() >> 40) / Float(1 << 24) }
        return try! Points(count: count, dimension: dimension, values: values)
    }

    static func normal(_ random: inout SeededGenerator) -> Double {
        let u = (Double(random.next() >> 11) + 0.5) / 9_007_199_254_740_992.0
        let v = Double(random.next() >> 11) / 9_007_199_254_740_992.0
        return (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
    }
}

/// How cleanly a layout keeps labelled groups apart: the fraction of points whose nearest
/// neighbour in the layout has the same label.
func nearestNeighbourAgreement(_ embedding: Embedding, labels: [Int]) -> Double {
    let n = embedding.count, d = embedding.dimension
    var agree = 0
    for i in 0..<n {
        var best = Float.infinity, bestLabel = -1
        for j in 0..<n where j != i {
            var squared: Float = 0
            for c in 0..<d {
                let diff = embedding.values[i * d + c] - embedding.values[j * d + c]
                squared += diff * diff
            }
            if squared < best { best = squared; bestLabel = labels[j] }
        }
        if bestLabel == labels[i] { agree += 1 }
    }
    return Double(agree) / Double(n)
}

/// The smallest distance between two group centroids divided by the largest distance of a
/// point from its own centroid: above 1, the groups' discs do not overlap.
func separationRatio(_ embedding: Embedding, labels: [Int]) -> Float {
    let d = embedding.dimension
    let groups = Set(labels).sorted()
    var centroids: [[Float]] = []
    for g in groups {
        let members = labels.indices.filter { labels[$0] == g }
        centroids.append((0..<d).map { c in members.reduce(Float(0)) { $0 + embedding.values[$1 * d + c] } / Float(members.count) })
    }
    func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() }
    var radius: Float = 0
    for i in labels.indices {
        let point = (0..<d).map { embedding.values[i * d + $0] }
        radius = max(radius, distance(point, centroids[groups.firstIndex(of: labels[i])!]))
    }
    var gap = Float.infinity
    for a in centroids.indices { for b in centroids.indices where b > a { gap = min(gap, distance(centroids[a], centroids[b])) } }
    return gap / radius
}

/// Ten clusters on ten orthogonal axes, whose PCA start mixes most of them in its plane: checks
/// that `embed(points, false)` (the start alone) does not separate them (nearest-neighbour
/// agreement under 0.9) and `embed(points, true)` (optimised) does (at least 0.98).
func assertOptimisationSeparatesMixedClusters(_ method: String, file: StaticString = #filePath, line: UInt = #line,
                                              _ embed: (Points, Bool) throws -> Embedding) throws {
    let (points, labels) = TestData.blobs(clusters: 10, perCluster: 40, dimension: 10, separation: 6, seed: 3)
    let start = nearestNeighbourAgreement(try embed(points, false), labels: labels)
    XCTAssertLessThan(start, 0.9, "\(method): the start alone must not already separate the clusters", file: file, line: line)
    let optimised = nearestNeighbourAgreement(try embed(points, true), labels: labels)
    print("\(method) nearest-neighbour agreement: start \(start), optimised \(optimised)")
    XCTAssertGreaterThanOrEqual(optimised, 0.98, method, file: file, line: line)
}
