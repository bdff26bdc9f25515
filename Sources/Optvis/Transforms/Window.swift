import Tensor

/// A rectangle of each image that may reach outside it: output[y][x] = input[top + y][left + x],
/// or `fill` where that is outside the input. Padding, cropping and jitter are all windows.
struct Window {
    let top: Int
    let left: Int
    let height: Int
    let width: Int
    let fill: Float

    func apply(to images: Tensor) throws -> (Tensor, Pullback) {
        let (batch, channels, sourceHeight, sourceWidth) = try images.imageDimensions("window input")
        guard height > 0, width > 0 else {
            throw OptvisError("window of \(height)x\(width) at (\(top), \(left)) of \(sourceHeight)x\(sourceWidth) images is empty")
        }
        // Output columns that read the input, and the input column of the first of them.
        let firstColumn = min(width, max(0, -left)), endColumn = max(firstColumn, min(width, sourceWidth - left))
        let planes = batch * channels, span = endColumn - firstColumn
        /// Copies every row segment that the window shares with the input, from `source` (laid
        /// out as the input if `fromInput`, else as the output) to `target`.
        func copyRows(_ source: [Float], into target: inout [Float], fromInput: Bool) {
            guard span > 0 else { return }
            source.withUnsafeBufferPointer { source in
                target.withUnsafeMutableBufferPointer { target in
                    for plane in 0..<planes {
                        for y in 0..<height where top + y >= 0 && top + y < sourceHeight {
                            let input = (plane * sourceHeight + top + y) * sourceWidth + left + firstColumn
                            let output = (plane * height + y) * width + firstColumn
                            let (from, to) = fromInput ? (input, output) : (output, input)
                            (target.baseAddress! + to).update(from: source.baseAddress! + from, count: span)
                        }
                    }
                }
            }
        }
        var output = [Float](repeating: fill, count: planes * height * width)
        copyRows(images.values, into: &output, fromInput: true)
        let outputShape = [batch, channels, height, width]
        return (try Tensor(shape: outputShape, values: output), { gradient in
            try gradient.expectShape(outputShape, "window gradient")
            var input = [Float](repeating: 0, count: images.count)
            copyRows(gradient.values, into: &input, fromInput: false)
            return try Tensor(shape: images.shape, values: input)
        })
    }
}
