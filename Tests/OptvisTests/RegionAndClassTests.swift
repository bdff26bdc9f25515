@testable import Optvis
import Tensor
import XCTest
import TestSupport

/// The pieces a painting's class terms are made of: the smooth resize, the cut-out region, the
/// class objectives, and the band-limited upsampling of a Fourier image.
final class RegionAndClassTests: XCTestCase {
    /// The smooth resize is linear: central differences have no truncation error (step 0.25,
    /// tolerance 1e-4), shrinking and growing, and every source pixel reaches the output when
    /// halving (TensorFlow's bilinear resize reads only the even pixels).
    func testSmoothResizeGradientAndCoverage() throws {
        var generator = SeededGenerator(seed: 31)
        let image = try randomTensor([1, 2, 12, 10], using: &generator)
        for (height, width) in [(6, 5), (5, 7), (17, 13)] {
            let (output, pullback) = try resizeSmoothly(image, height: height, width: width)
            XCTAssertEqual(output.shape, [1, 2, height, width])
            let cotangent = try randomTensor(output.shape, using: &generator)
            try checkGradient(at: image.values, step: 0.25, tolerance: 1e-4, { values in
                try resizeSmoothly(try Tensor(shape: image.shape, values: values), height: height, width: width).0.values
            }, cotangent: cotangent.values, analytic: try pullback(cotangent).values, label: "smooth resize to \(height)x\(width)")
        }
        let (halved, pullback) = try resizeSmoothly(image, height: 6, width: 5)
        let reached = try pullback(Tensor(shape: halved.shape, repeating: 1)).values
        XCTAssertTrue(reached.allSatisfy { $0 > 0 }, "a pixel no output reads when halving")
        // A constant image stays constant (the weights of every output sum to 1).
        let constant = try resizeSmoothly(Tensor(shape: [1, 1, 9, 9], repeating: 0.7), height: 4, width: 13).0.values
        XCTAssertEqual(constant.map { abs($0 - 0.7) }.max()!, 0, accuracy: 1e-6)
    }

    /// A region cuts out its rectangle (rounded to pixels) before resizing; with jitter its window
    /// wanders but stays inside the image; the pullback is the exact adjoint either way.
    func testImageRegionCutsOutItsRectangle() throws {
        var generator = SeededGenerator(seed: 32)
        let image = try randomTensor([1, 3, 16, 20], using: &generator)
        let region = try ImageRegion(top: 0.25, left: 0.5, height: 0.5, width: 0.5, outputHeight: 8, outputWidth: 10)
        XCTAssertTrue(region.pixels(imageHeight: 16, imageWidth: 20) == (4, 10, 8, 10))
        let objective = Objective.classLogit("logits", 0, region: region)
        XCTAssertEqual(objective.sources, [.layerOfRegion("logits", region)])

        let same = try ImageRegion(top: 0.25, left: 0.5, height: 0.5, width: 0.5, outputHeight: 8, outputWidth: 10)
        var draw = SeededGenerator(seed: 1)
        let view = try same.view(of: image, using: &draw).0
        for c in 0..<3 {
            for y in 0..<8 {
                for x in 0..<10 {
                    XCTAssertEqual(view.values[(c * 8 + y) * 10 + x], image.values[(c * 16 + 4 + y) * 20 + 10 + x])
                }
            }
        }
        let jittered = try ImageRegion(top: 0.25, left: 0.5, height: 0.5, width: 0.5, outputHeight: 8, outputWidth: 10, jitter: 0.3)
        for seed: UInt64 in [2, 3, 4] {
            var draw = SeededGenerator(seed: seed)
            let (output, pullback) = try jittered.view(of: image, using: &draw)
            XCTAssertEqual(output.shape, [1, 3, 8, 10])
            let cotangent = try randomTensor(output.shape, using: &generator)
            try checkGradient(at: image.values, step: 0.25, tolerance: 1e-4, { values in
                var same = SeededGenerator(seed: seed)
                return try jittered.view(of: try Tensor(shape: image.shape, values: values), using: &same).0.values
            }, cotangent: cotangent.values, analytic: try pullback(cotangent).values,
               coordinates: sampleCoordinates(150, of: image.count, using: &generator), label: "jittered region \(seed)")
        }
        XCTAssertThrowsError(try ImageRegion(top: 0.6, left: 0, height: 0.5, width: 1, outputHeight: 8, outputWidth: 8))
        XCTAssertThrowsError(try ImageRegion(top: 0, left: 0, height: 1, width: 1, outputHeight: 8, outputWidth: 8, jitter: 0.5))
    }

    /// The logit is linear; the log-probability's gradient is onehot - softmax (central
    /// differences, step 1e-2, tolerance 1e-3), and its value is log softmax.
    func testClassObjectivesGradientsAndValues() throws {
        var generator = SeededGenerator(seed: 33)
        let logits = try randomTensor([2, 7], sd: 2, using: &generator)
        for objective in [Objective.classLogit("logits", 3), Objective.classLogProbability("logits", 3)] {
            let (values, gradient) = try objective.evaluate(logits, at: .layer("logits"))
            try checkGradient(at: logits.values, step: 1e-2, tolerance: 1e-3, { x in
                try objective.evaluate(try Tensor(shape: logits.shape, values: x), at: .layer("logits")).values
            }, cotangent: [1, 1], analytic: gradient.values, label: objective.description)
            for n in 0..<2 {
                let row = Array(logits.values[n * 7..<(n + 1) * 7]).map(Double.init)
                let logSum = log(row.map(exp).reduce(0, +))
                let expected = objective.description.hasPrefix("log p") ? row[3] - logSum : row[3]
                XCTAssertEqual(Double(values[n]), expected, accuracy: 1e-5)
            }
        }
        // [N, K, 1, 1] reads the same; a spatial activation or a class out of range is an error.
        let square = try Tensor(shape: [2, 7, 1, 1], values: logits.values)
        XCTAssertEqual(try Objective.classLogit("logits", 3).evaluate(square, at: .layer("logits")).values,
                       try Objective.classLogit("logits", 3).evaluate(logits, at: .layer("logits")).values)
        XCTAssertThrowsError(try Objective.classLogit("logits", 3).evaluate(Tensor(shape: [1, 7, 2, 2]), at: .layer("logits")))
        XCTAssertThrowsError(try Objective.classLogit("logits", 9).evaluate(logits, at: .layer("logits")))
    }

    /// A Fourier image upsampled 2x by its parameters is the band-limited interpolation of the
    /// small one: at even pixels it equals the small image wherever the small one has no
    /// Nyquist content (here zeroed); pixel images upsample smoothly.
    func testUpsampledParametersInterpolateTheImage() throws {
        var generator = SeededGenerator(seed: 34)
        let small = try ParameterizedImage(width: 12, height: 10, fft: true, decorrelate: true)
        var parameters = small.initialParameters(using: &generator).map { $0 * 50 }
        // Zero the Nyquist row (y = 5) and column (x = 6) of every plane, real and imaginary.
        let columns = 7, size = 10 * columns
        for block in 0..<(parameters.count / size) {
            for y in 0..<10 { for x in 0..<columns where y == 5 || x == 6 { parameters[block * size + y * columns + x] = 0 } }
        }
        let (large, upsampled) = try small.upsampled(parameters, height: 20, width: 24)
        XCTAssertEqual(large.imageShape, [1, 3, 20, 24])
        let before = try small.images(from: parameters).0.values, after = try large.images(from: upsampled).0.values
        var worst: Float = 0
        for c in 0..<3 {
            for y in 0..<10 {
                for x in 0..<12 { worst = max(worst, abs(before[(c * 10 + y) * 12 + x] - after[(c * 20 + 2 * y) * 24 + 2 * x])) }
            }
        }
        XCTAssertLessThan(worst, 1e-5)
        XCTAssertGreaterThan(before.map { abs($0 - 0.5) }.max()!, 0.05, "the test image is not flat")

        let pixels = try ParameterizedImage(width: 6, height: 4, fft: false, decorrelate: false)
        let flat = [Float](repeating: 0.3, count: pixels.parameterCount)
        let (largePixels, upsampledPixels) = try pixels.upsampled(flat, height: 8, width: 12)
        XCTAssertEqual(largePixels.parameterCount, upsampledPixels.count)
        XCTAssertEqual(upsampledPixels.map { abs($0 - 0.3) }.max()!, 0, accuracy: 1e-6)
        XCTAssertThrowsError(try small.upsampled(parameters, height: 8, width: 24))
    }
}
