import Optvis
import Tensor
import XCTest
import TestSupport

final class ParameterizationTests: XCTestCase {
    /// Lucid's fft_image written in numpy (spatial.py: rfft2d_freqs, scale, irfft2d, crop, /4),
    /// evaluated on the same spectrum parameters, for even and odd sizes.
    func testFourierImageMatchesNumpyReferenceOfLucidFormula() throws {
        let sizes = [(2, 3, 6, 8), (1, 3, 7, 5), (1, 2, 5, 9), (1, 1, 4, 2), (1, 1, 1, 3)]
        var generator = SeededGenerator(seed: 7)
        var parameters: [Float] = [], images: [Float] = []
        for (batch, channels, height, width) in sizes {
            let parameterization = try FourierImage(batch: batch, channels: channels, height: height, width: width)
            // Spectra much larger than lucid's sd 0.01 start, so that every coefficient matters.
            let spectrum = generator.normal(count: parameterization.parameterCount, sd: 1)
            parameters += spectrum
            images += try parameterization.images(from: spectrum).0.values
        }
        let script = """
        import sys, numpy as np
        d = sys.argv[1]
        p = np.fromfile(d + "/arg0.bin", dtype=np.float32)
        out = []
        for b, ch, h, w in \(sizes.map { [$0.0, $0.1, $0.2, $0.3] }):
            fy = np.fft.fftfreq(h)[:, None]
            fx = np.fft.fftfreq(w)[: w // 2 + 2] if w % 2 == 1 else np.fft.fftfreq(w)[: w // 2 + 1]
            freqs = np.sqrt(fx * fx + fy * fy)
            n = 2 * b * ch * freqs.size
            spectrum_parameters, p = p[:n].reshape((2, b, ch) + freqs.shape), p[n:]
            scale = 1.0 / np.maximum(freqs, 1.0 / max(w, h)) * np.sqrt(w * h)
            spectrum = scale * (spectrum_parameters[0].astype(np.float64) + 1j * spectrum_parameters[1])
            out.append((np.fft.irfft2(spectrum, s=(h, 2 * (freqs.shape[1] - 1)))[:, :, :h, :w] / 4.0).ravel())
        np.concatenate(out).astype(np.float32).tofile(d + "/out.bin")
        """
        let reference = try Python.numpy(script, arrays: [parameters])
        XCTAssertEqual(reference.count, images.count)
        // A Float FFT of a few dozen terms against a Double one: errors of a few ulps of the
        // largest value.
        let largest = reference.map(abs).max()!
        for (a, b) in zip(images, reference) {
            XCTAssertEqual(a, b, accuracy: 1e-5 * largest)
        }
    }
}

/// Backward passes of the parameterizations against central finite differences.
final class ParameterizationGradientTests: XCTestCase {
    /// The Fourier basis is linear in its parameters, so a central difference has no truncation
    /// error and a large step keeps Float rounding small: tolerance 1e-4 of the largest gradient.
    func testFourierImageGradient() throws {
        for (height, width) in [(4, 6), (5, 5), (3, 2)] {
            let parameterization = try FourierImage(batch: 2, channels: 2, height: height, width: width)
            var generator = SeededGenerator(seed: 11)
            let parameters = generator.normal(count: parameterization.parameterCount, sd: 1)
            let cotangent = try randomTensor(parameterization.imageShape, using: &generator)
            let (_, pullback) = try parameterization.images(from: parameters)
            try checkGradient(at: parameters, step: 0.5, tolerance: 1e-4,
                              { try parameterization.images(from: $0).0.values },
                              cotangent: cotangent.values, analytic: try pullback(cotangent))
        }
    }

    func testPixelImageGradientIsTheImageGradient() throws {
        let parameterization = try PixelImage(batch: 2, channels: 3, height: 2, width: 3)
        var generator = SeededGenerator(seed: 12)
        let parameters = parameterization.initialParameters(using: &generator)
        let cotangent = try randomTensor(parameterization.imageShape, using: &generator)
        let (image, pullback) = try parameterization.images(from: parameters)
        XCTAssertEqual(image.values, parameters)
        XCTAssertEqual(try pullback(cotangent), cotangent.values)
    }

    /// The composed lucid image (FFT, colour decorrelation, sigmoid) is smooth: step 1e-2 gives a
    /// truncation error of order h^2 |sigmoid'''| ~ 1e-5 and a rounding error of order
    /// 6e-8 |L| / h ~ 1e-4 against gradients of order 1; tolerance 2e-3.
    func testParameterizedImageGradient() throws {
        for fft in [true, false] {
            let parameterization = try ParameterizedImage(width: 5, height: 4, batch: 2, fft: fft)
            var generator = SeededGenerator(seed: 13)
            let parameters = generator.normal(count: parameterization.parameterCount, sd: 0.5)
            let cotangent = try randomTensor(parameterization.imageShape, using: &generator)
            let (image, pullback) = try parameterization.images(from: parameters)
            XCTAssertTrue(image.values.allSatisfy { $0 > 0 && $0 < 1 })
            try checkGradient(at: parameters, step: 1e-2, tolerance: 2e-3,
                              { try parameterization.images(from: $0).0.values },
                              cotangent: cotangent.values, analytic: try pullback(cotangent))
        }
    }

    /// Lucid normalises the colour matrix by its largest column norm (the first column's,
    /// sqrt(0.26^2 + 0.27^2 + 0.27^2)).
    func testColorMatrixNormalisation() {
        let norm = (0.26 * 0.26 + 0.27 * 0.27 + 0.27 * 0.27).squareRoot()
        for (row, expected) in zip(ColorDecorrelation.matrix, [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]]) {
            for (value, e) in zip(row, expected) { XCTAssertEqual(Double(value), e / norm, accuracy: 1e-6) }
        }
    }

    func testBadSizesAreErrors() {
        XCTAssertThrowsError(try FourierImage(batch: 1, channels: 3, height: 4, width: 1))
        XCTAssertThrowsError(try PixelImage(batch: 0, channels: 3, height: 4, width: 4))
        XCTAssertThrowsError(try PixelImage(batch: 1, channels: 3, height: 4, width: 4).images(from: [1, 2]))
    }
}
