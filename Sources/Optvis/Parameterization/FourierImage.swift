import Tensor

/// Lucid's `fft_image`: each image channel is the inverse real 2-D FFT of a random spectrum
/// (normal, sd 0.01), each frequency f scaled by sqrt(w*h) / max(f, 1/max(w, h)), divided by 4.
///
/// Parameters are laid out as lucid's: [2 (real, imaginary), N, C, h, wf] with wf = w/2 + 1 for
/// even w and w/2 + 2 for odd w; the inverse transform is then h x 2(wf - 1) pixels (w + 1 for odd
/// w), cropped to h x w. Normalisation is numpy's and TensorFlow's: 1 / (h * 2(wf - 1)).
public struct FourierImage: ImageParameterization {
    public let imageShape: [Int]
    public let sd: Float
    /// Frequency columns kept, wf.
    let columns: Int
    /// The per-frequency scale, h x wf.
    let scale: [Float]

    public init(batch: Int, channels: Int, height: Int, width: Int, sd: Float = 0.01) throws {
        guard batch > 0, channels > 0, height > 0, width > 1 else {
            throw OptvisError("Fourier image: needs a positive batch, channels and height and a width of at least 2, got batch \(batch), \(channels)x\(height)x\(width)")
        }
        imageShape = [batch, channels, height, width]
        self.sd = sd
        columns = width / 2 + (width % 2 == 0 ? 1 : 2)
        scale = Self.frequencyScale(height: height, width: width, columns: columns)
    }

    /// numpy's `fft.fftfreq(n)[i]`.
    static func frequency(_ i: Int, _ n: Int) -> Double {
        Double(i <= (n - 1) / 2 ? i : i - n) / Double(n)
    }

    static func frequencyScale(height: Int, width: Int, columns: Int) -> [Float] {
        let floor = 1 / Double(max(width, height)), pixels = Double(width * height).squareRoot()
        return (0..<height).flatMap { y in
            (0..<columns).map { x in
                let fy = frequency(y, height), fx = frequency(x, width)
                return Float(pixels / max((fx * fx + fy * fy).squareRoot(), floor))
            }
        }
    }

    public var parameterCount: Int { 2 * imageShape[0] * imageShape[1] * imageShape[2] * columns }

    public func initialParameters(using generator: inout SeededGenerator) -> [Float] {
        generator.normal(count: parameterCount, sd: sd)
    }

    public func images(from parameters: [Float]) throws -> (Tensor, (Tensor) throws -> [Float]) {
        try checkParameters(parameters)
        let (height, width) = (imageShape[2], imageShape[3])
        let fullWidth = 2 * (columns - 1)
        let plans = try FourierPlans.plans(height: height, width: fullWidth)
        let planes = imageShape[0] * imageShape[1], spectrumSize = height * columns
        let normalisation = 1 / (4 * Float(height * fullWidth))

        var image = [Float](repeating: 0, count: planes * height * width)
        var spectrum = [Float](repeating: 0, count: 2 * spectrumSize)
        var full = [Float](repeating: 0, count: height * fullWidth)
        for plane in 0..<planes {
            let real = plane * spectrumSize, imaginary = (planes + plane) * spectrumSize
            for k in 0..<spectrumSize {
                spectrum[2 * k] = scale[k] * parameters[real + k]
                spectrum[2 * k + 1] = scale[k] * parameters[imaginary + k]
            }
            spectrum.withUnsafeMutableBufferPointer { s in
                full.withUnsafeMutableBufferPointer { plans.inverse(s.baseAddress!, into: $0.baseAddress!) }
            }
            for y in 0..<height {
                for x in 0..<width {
                    image[(plane * height + y) * width + x] = full[y * fullWidth + x] * normalisation
                }
            }
        }
        let shape = imageShape, columns = columns, scale = scale, count = parameterCount
        return (try Tensor(shape: shape, values: image), { gradient in
            try gradient.expectShape(shape, "Fourier image gradient")
            // The adjoint of the inverse real FFT is the forward one, with the coefficients that
            // stand for two conjugate frequencies (all but the first and last column) counted twice.
            var result = [Float](repeating: 0, count: count)
            var full = [Float](repeating: 0, count: height * fullWidth)
            var spectrum = [Float](repeating: 0, count: 2 * spectrumSize)
            for plane in 0..<planes {
                for y in 0..<height {
                    for x in 0..<width {
                        full[y * fullWidth + x] = gradient.values[(plane * height + y) * width + x] * normalisation
                    }
                }
                full.withUnsafeMutableBufferPointer { f in
                    spectrum.withUnsafeMutableBufferPointer { plans.forward(f.baseAddress!, into: $0.baseAddress!) }
                }
                let real = plane * spectrumSize, imaginary = (planes + plane) * spectrumSize
                for k in 0..<spectrumSize {
                    let column = k % columns
                    let multiplicity: Float = column == 0 || column == columns - 1 ? 1 : 2
                    result[real + k] = multiplicity * scale[k] * spectrum[2 * k]
                    result[imaginary + k] = multiplicity * scale[k] * spectrum[2 * k + 1]
                }
            }
            return result
        })
    }
}

extension FourierImage {
    /// Parameters of `larger` (same batch and channels, larger or equal height and width) whose
    /// image is this one's `parameters` image upsampled: each frequency keeps its coefficient
    /// (band-limited interpolation, rescaled for the two sizes' frequency scales and
    /// normalisations), the new higher frequencies start at zero. The Nyquist row and column of
    /// an even size are dropped (at the larger size they would stand for two frequencies).
    /// A painting optimised small is refined at full size from these.
    public func parameters(_ parameters: [Float], upsampledTo larger: FourierImage) throws -> [Float] {
        try checkParameters(parameters)
        let (height, newHeight) = (imageShape[2], larger.imageShape[2])
        guard larger.imageShape[0] == imageShape[0], larger.imageShape[1] == imageShape[1],
              newHeight >= height, larger.imageShape[3] >= imageShape[3] else {
            throw OptvisError("Fourier image: cannot upsample \(imageShape) to \(larger.imageShape)")
        }
        let planes = imageShape[0] * imageShape[1]
        let (size, newSize) = (height * columns, newHeight * larger.columns)
        let normalisation = Float(height * 2 * (columns - 1)), newNormalisation = Float(newHeight * 2 * (larger.columns - 1))
        var result = [Float](repeating: 0, count: larger.parameterCount)
        for y in 0..<height where !(height % 2 == 0 && y == height / 2) {
            let newY = y <= (height - 1) / 2 ? y : newHeight - (height - y)
            for x in 0..<columns where !(imageShape[3] % 2 == 0 && x == columns - 1) {
                let (old, new) = (y * columns + x, newY * larger.columns + x)
                let factor = scale[old] / larger.scale[new] * newNormalisation / normalisation
                for plane in 0..<planes {
                    result[plane * newSize + new] = factor * parameters[plane * size + old]
                    result[(planes + plane) * newSize + new] = factor * parameters[(planes + plane) * size + old]
                }
            }
        }
        return result
    }
}
