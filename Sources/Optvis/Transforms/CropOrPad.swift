import Tensor

/// Crops or zero-pads each image about its centre to height x width (TensorFlow's
/// `resize_image_with_crop_or_pad`, lucid's `crop_or_pad_to`): the surplus or the padding is split
/// with the smaller half at the top and left.
public struct CropOrPad: ImageTransform {
    public let height: Int
    public let width: Int

    public init(height: Int, width: Int) {
        (self.height, self.width) = (height, width)
    }

    public func apply(to images: Tensor, using generator: inout SeededGenerator) throws -> (Tensor, Pullback) {
        let (_, _, sourceHeight, sourceWidth) = try images.imageDimensions("crop-or-pad input")
        func offset(_ source: Int, _ target: Int) -> Int {
            source >= target ? (source - target) / 2 : -((target - source) / 2)
        }
        return try Window(top: offset(sourceHeight, height), left: offset(sourceWidth, width),
                          height: height, width: width, fill: 0).apply(to: images)
    }
}
