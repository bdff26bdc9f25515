import Tensor

/// One parameter per pixel and channel (lucid's `pixel_image`), started from normal noise.
public struct PixelImage: ImageParameterization {
    public let imageShape: [Int]
    public let sd: Float

    public init(batch: Int, channels: Int, height: Int, width: Int, sd: Float = 0.01) throws {
        guard batch > 0, channels > 0, height > 0, width > 0 else {
            throw OptvisError("pixel image: sizes must be positive, got batch \(batch), \(channels)x\(height)x\(width)")
        }
        imageShape = [batch, channels, height, width]
        self.sd = sd
    }

    public var parameterCount: Int { imageShape.reduce(1, *) }

    public func initialParameters(using generator: inout SeededGenerator) -> [Float] {
        generator.normal(count: parameterCount, sd: sd)
    }

    public func images(from parameters: [Float]) throws -> (Tensor, (Tensor) throws -> [Float]) {
        try checkParameters(parameters)
        let shape = imageShape
        return (try Tensor(shape: shape, values: parameters), { gradient in
            try gradient.expectShape(shape, "pixel image gradient")
            return gradient.values
        })
    }
}
