import Optvis
import Tensor
import XCTest
import TestSupport

final class TransformTests: XCTestCase {
    private func apply(_ transform: some ImageTransform, _ images: Tensor, seed: UInt64 = 1) throws -> (Tensor, Pullback) {
        var generator = SeededGenerator(seed: seed)
        return try transform.apply(to: images, using: &generator)
    }

    func testPadAndCropOrPadPlaceTheImageAsTensorFlow() throws {
        let image = try Tensor(shape: [1, 1, 2, 3], values: [1, 2, 3, 4, 5, 6])
        let padded = try apply(Pad(1, value: 0.5), image).0
        XCTAssertEqual(padded.shape, [1, 1, 4, 5])
        XCTAssertEqual(padded.values, [0.5, 0.5, 0.5, 0.5, 0.5,
                                       0.5, 1, 2, 3, 0.5,
                                       0.5, 4, 5, 6, 0.5,
                                       0.5, 0.5, 0.5, 0.5, 0.5])
        // resize_image_with_crop_or_pad: pad 3 rows as 1 above, 2 below; crop 3 columns to 2 from
        // offset (3 - 2) / 2 = 0.
        let cropped = try apply(CropOrPad(height: 5, width: 2), image).0
        XCTAssertEqual(cropped.values, [0, 0, 1, 2, 4, 5, 0, 0, 0, 0])
        let centre = try apply(CropOrPad(height: 1, width: 1), try Tensor(shape: [1, 1, 3, 3], values: (0..<9).map(Float.init))).0
        XCTAssertEqual(centre.values, [4])
    }

    /// Jitter d crops d pixels off each dimension at an offset drawn from 0...d on each axis:
    /// every offset appears over many draws, and no other.
    func testJitterDrawsEveryOffset() throws {
        let image = try Tensor(shape: [1, 1, 5, 5], values: (0..<25).map(Float.init))
        var generator = SeededGenerator(seed: 3)
        var offsets = Set<[Int]>()
        for _ in 0..<200 {
            let crop = try Jitter(2).apply(to: image, using: &generator).0
            XCTAssertEqual(crop.shape, [1, 1, 3, 3])
            let first = Int(crop.values[0])
            offsets.insert([first / 5, first % 5])
            XCTAssertEqual(crop.values, (0..<9).map { Float(first + ($0 / 3) * 5 + $0 % 3) })
        }
        XCTAssertEqual(offsets, Set((0...2).flatMap { y in (0...2).map { [y, $0] } }))
        XCTAssertThrowsError(try apply(Jitter(5), image))
    }

    /// TensorFlow 1's resize_bilinear (legacy: source = i * in / out, clamped) and TensorFlow
    /// Addons' rotate transform with bilinear sampling and zero fill, written in numpy.
    func testResizeAndRotateMatchNumpyReference() throws {
        var generator = SeededGenerator(seed: 5)
        let image = try randomTensor([1, 2, 7, 9], using: &generator)
        let resizedUp = try apply(Resize(height: 10, width: 13), image).0
        let scaled = try apply(RandomScale([0.7]), image).0
        XCTAssertEqual(scaled.shape, [1, 2, 4, 6])
        let rotated = try apply(RandomRotate(degrees: [30]), image).0
        let script = """
        import sys, numpy as np
        d = sys.argv[1]
        img = np.fromfile(d + "/arg0.bin", dtype=np.float32).reshape(2, 7, 9).astype(np.float64)
        def resize(img, oh, ow):
            h, w = img.shape[1:]
            def axis(o, n):
                pos = np.arange(o) * np.float32(n) / np.float32(o)
                lo = np.floor(pos).astype(int)
                hi = np.minimum(np.ceil(pos).astype(int), n - 1)
                return lo, hi, pos - lo
            y0, y1, fy = axis(oh, h)
            x0, x1, fx = axis(ow, w)
            top = img[:, y0][:, :, x0] * (1 - fx) + img[:, y0][:, :, x1] * fx
            bottom = img[:, y1][:, :, x0] * (1 - fx) + img[:, y1][:, :, x1] * fx
            return top * (1 - fy[:, None]) + bottom * fy[:, None]
        def rotate(img, angle):
            h, w = img.shape[1:]
            c, s = np.cos(angle), np.sin(angle)
            dx = ((w - 1) - (c * (w - 1) - s * (h - 1))) / 2
            dy = ((h - 1) - (s * (w - 1) + c * (h - 1))) / 2
            out = np.zeros_like(img)
            for y in range(h):
                for x in range(w):
                    sx, sy = c * x - s * y + dx, s * x + c * y + dy
                    fx0, fy0 = np.floor(sx), np.floor(sy)
                    for yy, wy in ((fy0, 1 - (sy - fy0)), (fy0 + 1, sy - fy0)):
                        for xx, wx in ((fx0, 1 - (sx - fx0)), (fx0 + 1, sx - fx0)):
                            if 0 <= yy < h and 0 <= xx < w:
                                out[:, y, x] += wy * wx * img[:, int(yy), int(xx)]
            return out
        out = [resize(img, 10, 13), resize(img, int(np.float32(0.7) * np.float32(7)), int(np.float32(0.7) * np.float32(9))),
               rotate(img, 30 * np.pi / 180)]
        np.concatenate([o.ravel() for o in out]).astype(np.float32).tofile(d + "/out.bin")
        """
        let reference = try Python.numpy(script, arrays: [image.values])
        let ours = resizedUp.values + scaled.values + rotated.values
        XCTAssertEqual(ours.count, reference.count)
        // Float against Double bilinear weights: a few ulps of values of order 1.
        for (a, b) in zip(ours, reference) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    /// Every transform is linear in the image for a fixed draw, so central differences have no
    /// truncation error: step 0.25, tolerance 1e-4 of the largest gradient, at 120 random
    /// coordinates of the input (all of them would take long in a debug build).
    func testTransformGradients() throws {
        var generator = SeededGenerator(seed: 9)
        let image = try randomTensor([2, 3, 9, 8], using: &generator)
        let transforms: [any ImageTransform] = [
            Pad(2, value: 0.3), Jitter(3), CropOrPad(height: 5, width: 11), Resize(height: 13, width: 5),
            RandomScale([0.8, 1.2]), RandomRotate(degrees: [-17, 25]),
            TransformPipeline([Pad(1, value: 1), Jitter(2), RandomScale([0.9, 1.1]), RandomRotate(degrees: [10, -10]),
                               CropOrPad(height: 9, width: 8)]),
        ]
        for (index, transform) in transforms.enumerated() {
            for seed: UInt64 in [1, 2] {
                let (output, pullback) = try apply(transform, image, seed: seed)
                let cotangent = try randomTensor(output.shape, using: &generator)
                try checkGradient(at: image.values, step: 0.25, tolerance: 1e-4, { values in
                    try self.apply(transform, try Tensor(shape: image.shape, values: values), seed: seed).0.values
                }, cotangent: cotangent.values, analytic: try pullback(cotangent).values,
                   coordinates: sampleCoordinates(120, of: image.count, using: &generator), label: "transform \(index)")
            }
        }
    }

    func testStandardTransformsGradientAndSize() throws {
        var generator = SeededGenerator(seed: 10)
        let image = try randomTensor([2, 3, 12, 12], using: &generator)
        let transforms = standardTransforms(size: 12)
        let (output, pullback) = try apply(transforms, image)
        XCTAssertEqual(output.shape, [2, 3, 12, 12])
        let cotangent = try randomTensor(output.shape, using: &generator)
        try checkGradient(at: image.values, step: 0.25, tolerance: 1e-4, { values in
            try self.apply(transforms, try Tensor(shape: image.shape, values: values)).0.values
        }, cotangent: cotangent.values, analytic: try pullback(cotangent).values,
           coordinates: sampleCoordinates(120, of: image.count, using: &generator))
    }

    /// Per-image draws transform two copies of one image differently; shared draws alike.
    func testPerImageAndSharedDraws() throws {
        var generator = SeededGenerator(seed: 4)
        let one = try randomTensor([1, 3, 10, 10], using: &generator)
        let twice = try Tensor.concatenatingBatches([one, one])
        let chain: [any ImageTransform] = [Jitter(3), RandomRotate(degrees: Array(stride(from: -20, to: 20, by: 1)))]
        let perImage = try apply(TransformPipeline(chain), twice, seed: 8).0
        XCTAssertNotEqual(try perImage.batchItems(0..<1), try perImage.batchItems(1..<2))
        let shared = try apply(TransformPipeline(chain, draws: .shared), twice, seed: 8).0
        XCTAssertEqual(try shared.batchItems(0..<1), try shared.batchItems(1..<2))
    }

    func testImagesOfDifferentSizesWithinABatchAreAnError() throws {
        var generator = SeededGenerator(seed: 4)
        let images = try randomTensor([8, 1, 10, 10], using: &generator)
        XCTAssertThrowsError(try apply(TransformPipeline([RandomScale([0.5, 1, 1.5])]), images)) { error in
            XCTAssertTrue("\(error)".contains("different sizes"), "\(error)")
        }
        XCTAssertNoThrow(try apply(TransformPipeline([RandomScale([0.5, 1, 1.5]), CropOrPad(height: 10, width: 10)]), images))
    }
}
