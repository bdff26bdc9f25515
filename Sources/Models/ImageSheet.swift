import Imaging
import Tensor

extension RGBImage {
    /// A grid of the images of an [N, 3, H, W] batch with values in [0, 1] (clamped), row by row,
    /// `columns` wide (by default the smallest square that holds them), `gap` white pixels apart.
    public static func sheet(of images: Tensor, columns: Int? = nil, gap: Int = 2) throws -> RGBImage {
        guard images.rank == 4, images.shape[1] == 3, images.shape.allSatisfy({ $0 > 0 }) else {
            throw ModelError("an image sheet needs [N, 3, H, W] images, got a tensor of shape \(images.shape)")
        }
        let (count, height, width) = (images.shape[0], images.shape[2], images.shape[3])
        let columns = max(1, min(columns ?? Int(Double(count).squareRoot().rounded(.up)), count))
        let rows = (count + columns - 1) / columns
        let sheetWidth = columns * width + (columns - 1) * gap, sheetHeight = rows * height + (rows - 1) * gap
        var pixels = [UInt8](repeating: 255, count: sheetWidth * sheetHeight * 3)
        let plane = height * width
        for item in 0..<count {
            let (left, top) = (item % columns * (width + gap), item / columns * (height + gap))
            for channel in 0..<3 {
                let base = (item * 3 + channel) * plane
                for y in 0..<height {
                    for x in 0..<width {
                        let value = min(max(images.values[base + y * width + x], 0), 1)
                        pixels[((top + y) * sheetWidth + left + x) * 3 + channel] = UInt8((value * 255).rounded())
                    }
                }
            }
        }
        return RGBImage(width: sheetWidth, height: sheetHeight, pixels: pixels)
    }
}
