import Optvis
import XCTest
import TestSupport

final class AdamTests: XCTestCase {
    /// TensorFlow's Adam update (training_ops ApplyAdam), written in numpy float32, over a few
    /// steps of random gradients.
    func testAdamMatchesTensorFlowUpdateInNumpy() throws {
        var generator = SeededGenerator(seed: 41)
        let (count, steps) = (7, 5)
        let start = generator.normal(count: count, sd: 1)
        let gradients = (0..<steps).map { _ in generator.normal(count: count, sd: 2) }
        var adam = Adam(parameterCount: count)
        var parameters = start
        for gradient in gradients { try adam.step(&parameters, gradient: gradient) }
        let script = """
        import sys, numpy as np
        d = sys.argv[1]
        f = np.float32
        x = np.fromfile(d + "/arg0.bin", dtype=f)
        gs = np.fromfile(d + "/arg1.bin", dtype=f).reshape(\(steps), \(count))
        lr, b1, b2, eps = f(0.05), f(0.9), f(0.999), f(1e-8)
        m, v, b1p, b2p = np.zeros_like(x), np.zeros_like(x), f(1), f(1)
        for g in gs:
            b1p, b2p = b1p * b1, b2p * b2
            alpha = lr * np.sqrt(f(1) - b2p) / (f(1) - b1p)
            m = m + (g - m) * (f(1) - b1)
            v = v + (g * g - v) * (f(1) - b2)
            x = x - alpha * m / (np.sqrt(v) + eps)
        x.astype(f).tofile(d + "/out.bin")
        """
        let reference = try Python.numpy(script, arrays: [start, gradients.flatMap { $0 }])
        for (a, b) in zip(parameters, reference) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // The first step moves every parameter by the learning rate against its gradient's sign.
        var first = start
        var fresh = Adam(parameterCount: count)
        try fresh.step(&first, gradient: gradients[0])
        for i in 0..<count { XCTAssertEqual(first[i] - start[i], gradients[0][i] > 0 ? -0.05 : 0.05, accuracy: 1e-5) }
        XCTAssertThrowsError(try fresh.step(&first, gradient: [1]))
    }
}
