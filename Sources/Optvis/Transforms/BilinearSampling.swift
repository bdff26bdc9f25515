import Foundation
import Tensor

/// Bilinear resampling of each image at one source point per output pixel, precomputed as four
/// source pixels and weights per output pixel. The pullback scatters the gradient back with the
/// same weights: the exact adjoint.
struct BilinearSampling {
    /// What a corner of a sample that falls outside the source reads.
    enum Edges {
        /// The nearest edge pixel (image resizing).
        case clamp
        /// Zero (rotation, TensorFlow's constant fill).
        case zero
    }

    let sourceHeight: Int
    let sourceWidth: Int
    let height: Int
    let width: Int
    /// Four source offsets (within a plane) per output pixel; -1 for a corner that reads zero.
    private let corners: [Int32]
    private let weights: [Float]

    /// `point(y, x)` is the (row, column) in the source, in pixels, that output pixel (y, x) reads.
    init(sourceHeight: Int, sourceWidth: Int, height: Int, width: Int, edges: Edges,
         point: (Int, Int) -> (y: Float, x: Float)) {
        (self.sourceHeight, self.sourceWidth, self.height, self.width) = (sourceHeight, sourceWidth, height, width)
        func corner(_ y: Int, _ x: Int) -> Int32 {
            switch edges {
            case .clamp:
                return Int32(min(max(y, 0), sourceHeight - 1) * sourceWidth + min(max(x, 0), sourceWidth - 1))
            case .zero:
                return y < 0 || y >= sourceHeight || x < 0 || x >= sourceWidth ? -1 : Int32(y * sourceWidth + x)
            }
        }
        var corners = [Int32](repeating: -1, count: 4 * height * width)
        var weights = [Float](repeating: 0, count: 4 * height * width)
        for y in 0..<height {
            for x in 0..<width {
                let (sy, sx) = point(y, x)
                let y0 = sy.rounded(.down), x0 = sx.rounded(.down)
                let (fy, fx) = (sy - y0, sx - x0), (top, left) = (Int(y0), Int(x0))
                let k = 4 * (y * width + x)
                (corners[k], corners[k + 1], corners[k + 2], corners[k + 3]) =
                    (corner(top, left), corner(top, left + 1), corner(top + 1, left), corner(top + 1, left + 1))
                (weights[k], weights[k + 1], weights[k + 2], weights[k + 3]) =
                    ((1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx)
            }
        }
        (self.corners, self.weights) = (corners, weights)
    }

    func apply(to images: Tensor) throws -> (Tensor, Pullback) {
        let (batch, channels, _, _) = try images.imageDimensions("bilinear sampling input")
        try images.expectShape([batch, channels, sourceHeight, sourceWidth], "bilinear sampling input")
        let planes = batch * channels, sourcePlane = sourceHeight * sourceWidth, plane = height * width
        var output = [Float](repeating: 0, count: planes * plane)
        corners.withUnsafeBufferPointer { corners in
            weights.withUnsafeBufferPointer { weights in
                images.values.withUnsafeBufferPointer { source in
                    for p in 0..<planes {
                        let base = p * sourcePlane
                        for i in 0..<plane {
                            var sum: Float = 0
                            for k in (4 * i)..<(4 * i + 4) where corners[k] >= 0 {
                                sum += weights[k] * source[base + Int(corners[k])]
                            }
                            output[p * plane + i] = sum
                        }
                    }
                }
            }
        }
        let outputShape = [batch, channels, height, width]
        return (try Tensor(shape: outputShape, values: output), { gradient in
            try gradient.expectShape(outputShape, "bilinear sampling gradient")
            var input = [Float](repeating: 0, count: images.count)
            corners.withUnsafeBufferPointer { corners in
                weights.withUnsafeBufferPointer { weights in
                    gradient.values.withUnsafeBufferPointer { gradient in
                        for p in 0..<planes {
                            let base = p * sourcePlane
                            for i in 0..<plane {
                                let g = gradient[p * plane + i]
                                for k in (4 * i)..<(4 * i + 4) where corners[k] >= 0 {
                                    input[base + Int(corners[k])] += weights[k] * g
                                }
                            }
                        }
                    }
                }
            }
            return try Tensor(shape: images.shape, values: input)
        })
    }
}
