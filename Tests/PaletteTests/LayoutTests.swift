import Optvis
import Palette
import Tensor
import XCTest

final class LayoutStageTests: XCTestCase {
    func testPercentileNormalisation() {
        // x: 0...100 (101 points): 1st percentile 1, 99th 99, widened by 9.8 each side.
        let xs = (0...100).map(Float.init)
        var points: [Float] = []
        for x in xs { points += [x, 7] }
        points += [1000, 7]  // an outlier: clipped to 1
        let normalised = LayoutNormalisation().normalise(points, dimension: 2)
        let count = points.count / 2
        // Percentiles of the 102 sorted x (0...100, 1000): positions 1.01 and 99.99.
        let lo = 1.01, hi = 99.99
        let (low, high) = (lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
        for i in 0..<count - 1 {
            XCTAssertEqual(Double(normalised[2 * i]), (Double(xs[i]) - low) / (high - low), accuracy: 1e-5)
            XCTAssertEqual(normalised[2 * i + 1], 0.5, "a constant axis maps to the middle")
        }
        XCTAssertEqual(normalised[2 * (count - 1)], 1, "the outlier is clipped")
        XCTAssertGreaterThan(normalised[0], 0, "the widening leaves a margin")
    }

    func testPercentileNormalisationWithoutOutliers() {
        var points: [Float] = []
        for i in 0..<1001 { points += [Float(i) / 1000, Float(1000 - i)] }
        let normalised = LayoutNormalisation().normalise(points, dimension: 2)
        // x: 1st and 99th percentiles 0.01 and 0.99, widened by 0.098 to -0.088 and 1.078.
        XCTAssertEqual(normalised[2 * 500], 0.5, accuracy: 1e-5)
        XCTAssertEqual(normalised[2 * 10], Float(0.098 / 1.176), accuracy: 1e-5)
        XCTAssertEqual(normalised[2 * 1000], Float(1.088 / 1.176), accuracy: 1e-5)
        // y = 1000 - i: the same scaled by 1000, decreasing along the points.
        XCTAssertEqual(normalised[1], Float(1.088 / 1.176), accuracy: 1e-5)
        XCTAssertEqual(normalised[2 * 1000 + 1], Float(0.088 / 1.176), accuracy: 1e-5)
    }

    func testWhitenedActivationsHaveIdentitySecondMoment() throws {
        // Correlated activations: A = Z M for a random mixing M.
        var generator = SeededGenerator(seed: 5)
        let (count, channels) = (4000, 5)
        let mixing = generator.normal(count: channels * channels, sd: 1)
        let z = generator.normal(count: count * channels, sd: 1)
        var a = [Float](repeating: 0, count: count * channels)
        for r in 0..<count {
            for j in 0..<channels {
                for k in 0..<channels { a[r * channels + j] += z[r * channels + k] * mixing[k * channels + j] + (k == 0 ? 0.5 : 0) }
            }
        }
        let whitening = try Whitening(activations: Tensor(shape: [count, channels], values: a))
        let white = try LayoutWhitening.whiten(a, with: whitening)
        for i in 0..<channels {
            for j in 0..<channels {
                let moment = (0..<count).reduce(0.0) { $0 + Double(white[$1 * channels + i]) * Double(white[$1 * channels + j]) } / Double(count)
                XCTAssertEqual(moment, i == j ? 1 : 0, accuracy: 1e-3, "second moment (\(i), \(j))")
            }
        }
        // S itself inverts the second moment A^T A / N (the icon target is v S).
        var gram = [Double](repeating: 0, count: channels * channels)
        for r in 0..<count {
            for i in 0..<channels { for j in 0..<channels { gram[i * channels + j] += Double(a[r * channels + i] * a[r * channels + j]) / Double(count) } }
        }
        for i in 0..<channels {
            for j in 0..<channels {
                let product = (0..<channels).reduce(0.0) { $0 + gram[i * channels + $1] * Double(whitening.matrix[$1 * channels + j]) }
                XCTAssertEqual(product, i == j ? 1 : 0, accuracy: 1e-3)
            }
        }
    }
}
