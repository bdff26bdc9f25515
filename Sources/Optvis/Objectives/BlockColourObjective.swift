import Tensor

/// The squared distance between each block's mean colour and its target, summed over the
/// blocks that have one: the image is cut into `rows` x `columns` blocks (block (r, c) covers
/// image rows r H / rows ..< (r + 1) H / rows, likewise columns), and a block's mean is over its
/// pixels, per channel. A penalty: subtract it.
struct BlockColourTerm: ObjectiveTerm {
    let rows: Int
    let columns: Int
    /// rows x columns targets (one value per channel, in [0, 1]), row by row; nil: free.
    let targets: [[Float]?]

    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor) {
        let (batch, channels, height, width) = try input.imageDimensions("block colour input")
        guard height >= rows, width >= columns else {
            throw OptvisError("block colours: a \(height)x\(width) image cannot hold \(rows)x\(columns) blocks")
        }
        if let wrong = targets.compactMap({ $0 }).first(where: { $0.count != channels }) {
            throw OptvisError("block colours: a target of \(wrong.count) channels for an image of \(channels)")
        }
        var gradient = [Float](repeating: 0, count: input.count)
        var values = [Float](repeating: 0, count: batch)
        for n in 0..<batch {
            var total = 0.0
            for (block, target) in targets.enumerated() {
                guard let target else { continue }
                let (r, c) = (block / columns, block % columns)
                let (top, bottom) = (r * height / rows, (r + 1) * height / rows)
                let (left, right) = (c * width / columns, (c + 1) * width / columns)
                let count = Double((bottom - top) * (right - left))
                for channel in 0..<channels {
                    let plane = (n * channels + channel) * height * width
                    var sum = 0.0
                    for y in top..<bottom {
                        for x in left..<right { sum += Double(input.values[plane + y * width + x]) }
                    }
                    let difference = sum / count - Double(target[channel])
                    total += difference * difference
                    let g = Float(2 * difference / count)
                    for y in top..<bottom {
                        for x in left..<right { gradient[plane + y * width + x] = g }
                    }
                }
            }
            values[n] = Float(total)
        }
        return (values, try Tensor(shape: input.shape, values: gradient))
    }
}

extension Objective {
    /// The squared distance of each block's mean colour from its target (`targets`: `rows` x
    /// `columns`, row by row, each one value per channel in [0, 1]; nil leaves a block free),
    /// summed: a penalty, subtract it. It pins a painting's colours at the scale of its grid
    /// and leaves everything finer to the other terms.
    public static func blockColours(_ targets: [[Float]?], rows: Int, columns: Int, item: Int? = nil) throws -> Objective {
        guard rows > 0, columns > 0, targets.count == rows * columns else {
            throw OptvisError("block colours: expected \(rows)x\(columns) = \(rows * columns) targets, got \(targets.count)")
        }
        return Objective(BlockColourTerm(rows: rows, columns: columns, targets: targets), on: .image, item: item,
                         name: "block colours")
    }
}
