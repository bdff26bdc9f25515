import Imaging
import Optvis

/// The views of one photo that a collection feeds the network: the photo itself, then random
/// square crops of 60-100% of its short side, each mirrored left-right with probability 1/2.
/// Every view is then resized and centre-cropped like the photo (torchvision's evaluation
/// transform), so a crop works as a zoom into part of the photo.
enum ImageViews {
    static func views(of image: RGBImage, augmentations: Int, using generator: inout SeededGenerator) -> [RGBImage] {
        [image] + (0..<augmentations).map { _ in
            let shortSide = min(image.width, image.height)
            let side = max(1, Int(Double(shortSide) * (0.6 + 0.4 * Double(generator.index(below: 1 << 20)) / Double(1 << 20))))
            let x = generator.index(below: image.width - side + 1), y = generator.index(below: image.height - side + 1)
            let crop = image.cropped(x: x, y: y, width: side, height: side)
            return generator.index(below: 2) == 1 ? crop.mirrored() : crop
        }
    }
}

extension RGBImage {
    /// The image mirrored left-right.
    fileprivate func mirrored() -> RGBImage {
        var output = pixels
        for row in 0..<height {
            for column in 0..<width {
                let source = (row * width + column) * 3, target = (row * width + width - 1 - column) * 3
                output[target] = pixels[source]
                output[target + 1] = pixels[source + 1]
                output[target + 2] = pixels[source + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: output)
    }
}
