import Tensor

/// A rectangle of the image, in fractions of its height and width, that a term's layer reads after
/// it is cut out and resized (smoothly) to `outputHeight` x `outputWidth`: what a classifier sees
/// of one region of a painting, as a judge that crops the region would see it. With `jitter`,
/// every read takes a random window about the rectangle instead: its size scaled by a factor
/// within 1 +- jitter and its centre moved by up to jitter times its size (kept inside the
/// image), so that what the term asks for holds for any similar crop, not for one pixel grid.
public struct ImageRegion: Hashable, Sendable, CustomStringConvertible {
    public let top: Double
    public let left: Double
    public let height: Double
    public let width: Double
    public let outputHeight: Int
    public let outputWidth: Int
    public let jitter: Double

    public init(top: Double, left: Double, height: Double, width: Double, outputHeight: Int, outputWidth: Int,
                jitter: Double = 0) throws {
        guard top >= 0, left >= 0, height > 0, width > 0, top + height <= 1 + 1e-9, left + width <= 1 + 1e-9,
              outputHeight > 0, outputWidth > 0, (0..<0.5).contains(jitter) else {
            throw OptvisError("image region: top \(top), left \(left), height \(height), width \(width) must lie within the "
                + "image (fractions 0 to 1), the output size \(outputHeight)x\(outputWidth) must be positive and the jitter "
                + "\(jitter) at least 0 and below 0.5")
        }
        (self.top, self.left, self.height, self.width) = (top, left, height, width)
        (self.outputHeight, self.outputWidth, self.jitter) = (outputHeight, outputWidth, jitter)
    }

    public var description: String {
        func f(_ x: Double) -> String { String(Int((100 * x).rounded())) }
        return "region (\(f(top))%, \(f(left))%) \(f(height))%x\(f(width))% at \(outputHeight)x\(outputWidth)"
    }

    /// The pixel rectangle of an image of `imageHeight` x `imageWidth`: (top, left, height, width).
    public func pixels(imageHeight: Int, imageWidth: Int) -> (top: Int, left: Int, height: Int, width: Int) {
        let top = Int((top * Double(imageHeight)).rounded()), left = Int((left * Double(imageWidth)).rounded())
        let bottom = max(top + 1, Int(((self.top + height) * Double(imageHeight)).rounded()))
        let right = max(left + 1, Int(((self.left + width) * Double(imageWidth)).rounded()))
        return (top, left, min(bottom, imageHeight) - top, min(right, imageWidth) - left)
    }

    /// The region of each image (a random window about it, with `jitter`), resized to the output
    /// size, and the pullback to the images.
    func view(of images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback) {
        let (_, _, imageHeight, imageWidth) = try images.imageDimensions("image region input")
        var rectangle = pixels(imageHeight: imageHeight, imageWidth: imageWidth)
        if jitter > 0 {
            /// A uniform draw from -1...1 in 33 steps.
            func draw() -> Double { Double(generator.index(below: 33) - 16) / 16 }
            let scale = 1 + jitter * draw()
            let height = min(imageHeight, max(1, Int((Double(rectangle.height) * scale).rounded())))
            let width = min(imageWidth, max(1, Int((Double(rectangle.width) * scale).rounded())))
            let centreY = Double(rectangle.top) + Double(rectangle.height) * (0.5 + jitter * draw())
            let centreX = Double(rectangle.left) + Double(rectangle.width) * (0.5 + jitter * draw())
            rectangle = (min(max(0, Int((centreY - Double(height) / 2).rounded())), imageHeight - height),
                         min(max(0, Int((centreX - Double(width) / 2).rounded())), imageWidth - width), height, width)
        }
        let (cropped, cropPullback) = try Window(top: rectangle.top, left: rectangle.left, height: rectangle.height,
                                                 width: rectangle.width, fill: 0).apply(to: images)
        let (resized, resizePullback) = try resizeSmoothly(cropped, height: outputHeight, width: outputWidth)
        return (resized, { gradient in try cropPullback(resizePullback(gradient)) })
    }
}
