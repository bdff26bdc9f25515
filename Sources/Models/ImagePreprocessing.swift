import Imaging
import Tensor

/// How a photo is brought to the network's input size.
public enum Resizing: String, CaseIterable, Sendable {
    /// torchvision's evaluation transform: the short side resized to input size / 0.875 (256
    /// for 224) with PIL's antialiased bilinear filter, then a centre crop.
    case torchvision
    /// None: the image must already have the network's input size.
    case none
}

/// The per-channel mapping from pixel values scaled to [0, 1] to network inputs:
/// (x - mean) / standardDeviation, in RGB order.
public struct InputNormalization: Sendable, Equatable {
    public let mean: [Float]
    public let standardDeviation: [Float]

    public init(mean: [Float], standardDeviation: [Float]) {
        (self.mean, self.standardDeviation) = (mean, standardDeviation)
    }

    /// ImageNet's statistics, as torchvision's models expect.
    public static let imageNet = InputNormalization(mean: [0.485, 0.456, 0.406], standardDeviation: [0.229, 0.224, 0.225])

    /// The first image of a network input [N, 3, H, W] as the 8-bit image it was made from
    /// (values clamped to [0, 1]).
    public func image(ofInput input: Tensor) -> RGBImage {
        let (height, width) = (input.shape[2], input.shape[3])
        var pixels = [UInt8](repeating: 0, count: height * width * 3)
        for c in 0..<3 {
            for p in 0..<height * width {
                let value = input.values[c * height * width + p] * standardDeviation[c] + mean[c]
                pixels[p * 3 + c] = UInt8((min(max(value, 0), 1) * 255).rounded())
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

extension Network {
    /// The network's input for images: each resized as asked, scaled to [0, 1] and normalised,
    /// stacked into [N, 3, side, side] (`side` defaults to the network's input size; the layers
    /// before pooling accept other sizes). `names` (file paths) are for error messages.
    public func input(for images: [RGBImage], names: [String], resizing: Resizing, side: Int? = nil) throws -> Tensor {
        let side = side ?? inputSize
        var values: [Float] = []
        values.reserveCapacity(images.count * 3 * side * side)
        for (image, name) in zip(images, names) {
            let fitted: RGBImage
            switch resizing {
            case .torchvision:
                fitted = image.torchvisionView(side: side)
            case .none:
                guard image.width == side, image.height == side else {
                    throw ModelError("\(name): image is \(image.width)x\(image.height), but --resize none needs exactly "
                        + "\(side)x\(side) for \(self.name); use --resize torchvision to resize and crop it")
                }
                fitted = image
            }
            for channel in 0..<3 {
                let mean = normalization.mean[channel], deviation = normalization.standardDeviation[channel]
                for pixel in 0..<side * side {
                    values.append((Float(fitted.pixels[pixel * 3 + channel]) / 255 - mean) / deviation)
                }
            }
        }
        return try Tensor(shape: [images.count, 3, side, side], values: values)
    }
}

extension Network {
    /// The network's input for one image of any size, as it is: pixels / 255, normalised,
    /// [1, 3, height, width] (the convolutional layers and the global pooling take any size).
    public func input(of image: RGBImage) throws -> Tensor {
        let plane = image.width * image.height
        guard plane > 0, image.pixels.count == 3 * plane else {
            throw ModelError("an image of \(image.width)x\(image.height) pixels with \(image.pixels.count) bytes is no network input")
        }
        var values = [Float](repeating: 0, count: 3 * plane)
        for c in 0..<3 {
            let (mean, deviation) = (normalization.mean[c], normalization.standardDeviation[c])
            for p in 0..<plane { values[c * plane + p] = (Float(image.pixels[p * 3 + c]) / 255 - mean) / deviation }
        }
        return try Tensor(shape: [1, 3, image.height, image.width], values: values)
    }
}

extension RGBImage {
    /// What the network sees of the photo with `Resizing.torchvision` at `side`: the short side
    /// resized to side / 0.875, then the centred side x side square.
    public func torchvisionView(side: Int) -> RGBImage {
        resized(shortSide: Int((Double(side) / 0.875).rounded())).centerCropped(width: side, height: side)
    }
}
