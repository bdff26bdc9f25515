import Optvis
import Tensor
import XCTest
import TestSupport

final class WhiteningTests: XCTestCase {
    /// S against numpy's inverse of the same regularised uncentred covariance.
    func testWhiteningMatchesNumpyInverse() throws {
        var generator = SeededGenerator(seed: 31)
        let (count, channels) = (50, 6)
        // Correlated channels: mix independent noise.
        let noise = generator.normal(count: count * channels, sd: 1)
        let mix = generator.normal(count: channels * channels, sd: 0.5)
        let values = (0..<count).flatMap { n in
            (0..<channels).map { c in (0..<channels).reduce(noise[n * channels + c]) { $0 + noise[n * channels + $1] * mix[$1 * channels + c] } }
        }
        let whitening = try Whitening(activations: try Tensor(shape: [count, channels], values: values))
        let script = """
        import sys, numpy as np
        d = sys.argv[1]
        a = np.fromfile(d + "/arg0.bin", dtype=np.float32).reshape(\(count), \(channels)).astype(np.float64)
        ridge = float(np.fromfile(d + "/arg1.bin", dtype=np.float32)[0])
        g = a.T @ a / len(a)
        assert abs(ridge - 1e-6 * np.trace(g) / \(channels)) < 1e-6 * ridge
        np.linalg.inv(g + ridge * np.eye(\(channels))).astype(np.float32).tofile(d + "/out.bin")
        """
        let reference = try Python.numpy(script, arrays: [values, [Float(whitening.ridge)]])
        let largest = reference.map(abs).max()!
        for (a, b) in zip(whitening.matrix, reference) { XCTAssertEqual(a, b, accuracy: 1e-5 * largest) }
        // v S, written out.
        let v = generator.normal(count: channels, sd: 1)
        let whitened = try whitening.whiten(v)
        for j in 0..<channels {
            let expected = (0..<channels).reduce(Float(0)) { $0 + v[$1] * whitening.matrix[$1 * channels + j] }
            XCTAssertEqual(whitened[j], expected, accuracy: 1e-4 * max(1, abs(expected)))
        }
    }

    /// A channel that never fires makes A^T A singular; the ridge keeps S finite and leaves the
    /// other channels' block alone.
    func testDeadChannelIsRegularised() throws {
        var generator = SeededGenerator(seed: 32)
        var values = generator.normal(count: 40 * 3, sd: 1)
        for n in 0..<40 { values[n * 3 + 1] = 0 }
        let whitening = try Whitening(activations: try Tensor(shape: [40, 3], values: values))
        XCTAssertTrue(whitening.matrix.allSatisfy(\.isFinite))
        XCTAssertEqual(whitening.matrix[1 * 3 + 0], 0)
        XCTAssertEqual(whitening.matrix[1 * 3 + 2], 0)
        XCTAssertEqual(Double(whitening.matrix[1 * 3 + 1]), 1 / whitening.ridge, accuracy: 1e-3 / whitening.ridge)
        XCTAssertEqual(try whitening.whiten([1, 0, 1])[1], 0)
        XCTAssertThrowsError(try Whitening(activations: Tensor(shape: [4, 3])))
        XCTAssertThrowsError(try whitening.whiten([1, 2]))
    }
}
