import Tensor

/// Resizes each image to height x width with a triangle (tent) filter widened by the scale when
/// shrinking, as PIL's antialiased bilinear resize: every source pixel contributes, so the
/// gradient reaches every pixel. TensorFlow 1's `resize_bilinear` (`Resize`) reads one 2 x 2
/// neighbourhood per output pixel: halving an image with it reads only the even pixels, and an
/// objective seen through it paints a 2-px checkerboard. The map is separable, out = R_y X R_x^T per
/// plane, and the pullback is its exact adjoint.
public struct SmoothResize: ImageTransform {
    public let height: Int
    public let width: Int

    public init(height: Int, width: Int) {
        (self.height, self.width) = (height, width)
    }

    public func apply(to images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback) {
        try resizeSmoothly(images, height: height, width: width)
    }
}

/// `SmoothResize` without a transform's random draw.
public func resizeSmoothly(_ images: Tensor, height: Int, width: Int) throws -> (Tensor, Pullback) {
    let (batch, channels, sourceHeight, sourceWidth) = try images.imageDimensions("smooth resize input")
    guard height > 0, width > 0 else {
        throw OptvisError("cannot resize \(sourceHeight)x\(sourceWidth) images to \(height)x\(width)")
    }
    if height == sourceHeight, width == sourceWidth { return (images, { $0 }) }
    let rows = ResamplingTaps(source: sourceHeight, target: height)
    let columns = ResamplingTaps(source: sourceWidth, target: width)
    let planes = batch * channels
    let outputShape = [batch, channels, height, width]
    var output = [Float](repeating: 0, count: planes * height * width)
    var rowsDone = [Float](repeating: 0, count: height * sourceWidth)
    for plane in 0..<planes {
        let input = plane * sourceHeight * sourceWidth
        // Rows first: height x sourceWidth, then columns.
        for y in 0..<height {
            for i in 0..<sourceWidth { rowsDone[y * sourceWidth + i] = 0 }
            for (source, weight) in rows.taps[y] {
                let from = input + source * sourceWidth
                for i in 0..<sourceWidth { rowsDone[y * sourceWidth + i] += weight * images.values[from + i] }
            }
        }
        let out = plane * height * width
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for (source, weight) in columns.taps[x] { sum += weight * rowsDone[y * sourceWidth + source] }
                output[out + y * width + x] = sum
            }
        }
    }
    return (try Tensor(shape: outputShape, values: output), { gradient in
        try gradient.expectShape(outputShape, "smooth resize gradient")
        var result = [Float](repeating: 0, count: images.count)
        var rowsGradient = [Float](repeating: 0, count: height * sourceWidth)
        for plane in 0..<planes {
            let out = plane * height * width
            for i in rowsGradient.indices { rowsGradient[i] = 0 }
            for y in 0..<height {
                for x in 0..<width {
                    let g = gradient.values[out + y * width + x]
                    for (source, weight) in columns.taps[x] { rowsGradient[y * sourceWidth + source] += weight * g }
                }
            }
            let input = plane * sourceHeight * sourceWidth
            for y in 0..<height {
                for (source, weight) in rows.taps[y] {
                    let to = input + source * sourceWidth
                    for i in 0..<sourceWidth { result[to + i] += weight * rowsGradient[y * sourceWidth + i] }
                }
            }
        }
        return try Tensor(shape: images.shape, values: result)
    })
}

/// For each output index along one axis, the source indices and weights it reads (PIL's
/// bilinear filter: a tent of half-width max(1, source / target) source pixels about the output
/// pixel's centre, normalised to sum to 1, with edges clamped).
struct ResamplingTaps {
    let taps: [[(index: Int, weight: Float)]]

    init(source: Int, target: Int) {
        let scale = Double(source) / Double(target), support = max(1, scale)
        taps = (0..<target).map { i in
            let centre = (Double(i) + 0.5) * scale
            let first = max(0, Int((centre - support).rounded(.down))), last = min(source - 1, Int((centre + support).rounded(.up)))
            var pairs: [(Int, Double)] = []
            for j in first...max(first, last) {
                let weight = max(0, 1 - abs((Double(j) + 0.5 - centre) / support))
                if weight > 0 { pairs.append((j, weight)) }
            }
            if pairs.isEmpty { pairs = [(min(max(Int(centre), 0), source - 1), 1)] }
            let total = pairs.reduce(0) { $0 + $1.1 }
            return pairs.map { ($0.0, Float($0.1 / total)) }
        }
    }
}
