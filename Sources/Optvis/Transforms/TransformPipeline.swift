import Tensor

/// Transforms applied one after another. With `.perImage` draws (the default) every image of the
/// batch goes through the chain with its own random draws, so the chain must end at one size for
/// all (end it with `CropOrPad` or `Resize` when it scales); with `.shared` draws the whole batch
/// takes the same draws, as in lucid.
public struct TransformPipeline: ImageTransform {
    public enum Draws: Sendable {
        case perImage
        case shared
    }

    public let transforms: [any ImageTransform]
    public let draws: Draws

    public init(_ transforms: [any ImageTransform], draws: Draws = .perImage) {
        self.transforms = transforms
        self.draws = draws
    }

    public func apply(to images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback) {
        let (batch, _, _, _) = try images.imageDimensions("transform input")
        if draws == .shared || batch == 1 { return try chain(images, using: &generator) }

        var outputs: [Tensor] = [], pullbacks: [Pullback] = []
        for item in 0..<batch {
            let (output, pullback) = try chain(images.batchItems(item..<item + 1), using: &generator)
            if let first = outputs.first, first.shape != output.shape {
                throw OptvisError("transforms made images of different sizes within the batch (item 0: \(first.shape.dropFirst()), item \(item): \(output.shape.dropFirst())); end the transforms with CropOrPad or Resize, or use shared draws")
            }
            outputs.append(output)
            pullbacks.append(pullback)
        }
        let output = try Tensor.concatenatingBatches(outputs)
        return (output, { gradient in
            try gradient.expectShape(output.shape, "transform gradient")
            return try Tensor.concatenatingBatches((0..<batch).map { try pullbacks[$0](gradient.batchItems($0..<$0 + 1)) })
        })
    }

    private func chain(_ images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback) {
        var current = images, pullbacks: [Pullback] = []
        for transform in transforms {
            let (next, pullback) = try transform.apply(to: current, using: &generator)
            current = next
            pullbacks.append(pullback)
        }
        return (current, { gradient in try pullbacks.reversed().reduce(gradient) { try $1($0) } })
    }
}
