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

extension ParameterizedImage {
    /// The same parameterization at `height` x `width` (at least the current size), and parameters
    /// for it whose image is the current one upsampled: coarse-to-fine optimisation optimises
    /// small, then refines these. Colour decorrelation and the sigmoid act per pixel, so the
    /// basis alone is resampled (Fourier: band-limited; pixels: smooth bilinear).
    public func upsampled(_ parameters: [Float], height: Int, width: Int) throws -> (ParameterizedImage, [Float]) {
        let (batch, _, oldHeight, oldWidth) = (imageShape[0], imageShape[1], imageShape[2], imageShape[3])
        guard height >= oldHeight, width >= oldWidth else {
            throw OptvisError("cannot upsample a \(oldHeight)x\(oldWidth) image to \(height)x\(width)")
        }
        switch basis {
        case let fourier as FourierImage:
            let larger = try ParameterizedImage(width: width, height: height, batch: batch, fft: true, decorrelate: decorrelate,
                                                sd: fourier.sd)
            return (larger, try fourier.parameters(parameters, upsampledTo: larger.basis as! FourierImage))
        case let pixels as PixelImage:
            let larger = try ParameterizedImage(width: width, height: height, batch: batch, fft: false, decorrelate: decorrelate,
                                                sd: pixels.sd)
            let image = try Tensor(shape: imageShape, values: parameters)
            return (larger, try resizeSmoothly(image, height: height, width: width).0.values)
        default:
            throw OptvisError("cannot upsample a \(type(of: basis)) parameterization")
        }
    }
}
