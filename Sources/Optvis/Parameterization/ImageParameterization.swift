import Tensor

/// A differentiable map from a flat vector of parameters to a batch of NCHW images: what the
/// render loop optimises.
public protocol ImageParameterization: Sendable {
    /// The shape of the images made, [N, C, H, W].
    var imageShape: [Int] { get }
    /// How many Float parameters make the images.
    var parameterCount: Int { get }
    /// Random starting parameters.
    func initialParameters(using generator: inout SeededGenerator) -> [Float]
    /// The images for `parameters`, and the map from dL/dImages to dL/dParameters.
    func images(from parameters: [Float]) throws -> (Tensor, (Tensor) throws -> [Float])
}

extension ImageParameterization {
    func checkParameters(_ parameters: [Float]) throws {
        guard parameters.count == parameterCount else {
            throw OptvisError("image parameterization of \(imageShape) takes \(parameterCount) parameters, got \(parameters.count)")
        }
    }
}

/// Lucid's `param.image`: a pixel or Fourier basis, optionally a decorrelated colour space, then a
/// sigmoid into [0, 1]. `ParameterizedImage(width: 80, height: 80, batch: n)` is the atlas icon
/// parameterization (FFT, decorrelated colour).
public struct ParameterizedImage: ImageParameterization {
    public let basis: any ImageParameterization
    public let decorrelate: Bool

    public init(width: Int, height: Int, batch: Int = 1, fft: Bool = true, decorrelate: Bool = true,
                sd: Float = 0.01) throws {
        basis = fft ? try FourierImage(batch: batch, channels: 3, height: height, width: width, sd: sd)
                    : try PixelImage(batch: batch, channels: 3, height: height, width: width, sd: sd)
        self.decorrelate = decorrelate
    }

    public var imageShape: [Int] { basis.imageShape }
    public var parameterCount: Int { basis.parameterCount }

    public func initialParameters(using generator: inout SeededGenerator) -> [Float] {
        basis.initialParameters(using: &generator)
    }

    public func images(from parameters: [Float]) throws -> (Tensor, (Tensor) throws -> [Float]) {
        let (raw, basisPullback) = try basis.images(from: parameters)
        let (coloured, colourPullback): (Tensor, Pullback) = decorrelate ? try ColorDecorrelation.apply(raw) : (raw, { $0 })
        let (image, sigmoidPullback) = try Sigmoid.apply(coloured)
        return (image, { gradient in try basisPullback(colourPullback(sigmoidPullback(gradient))) })
    }
}
