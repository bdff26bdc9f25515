extension RGBImage {
    /// The region x ..< x + width, y ..< y + height. Parts that lie outside the image come out
    /// black, as with Pillow's `crop`. Sizes must not be negative.
    public func cropped(x: Int, y: Int, width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth >= 0 && newHeight >= 0, "cropped: \(newWidth) x \(newHeight) is not a valid size")
        var output = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        let columns = overlap(start: x, length: newWidth, size: width)
        let rows = overlap(start: y, length: newHeight, size: height)
        if !columns.isEmpty {
            for row in rows {
                let source = (row * width + columns.lowerBound) * 3
                let target = ((row - y) * newWidth + columns.lowerBound - x) * 3
                output[target..<target + columns.count * 3] = pixels[source..<source + columns.count * 3]
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: output)
    }

    /// torchvision's `CenterCrop`: the offset along each axis is `round((size - crop) / 2)`
    /// with Python's round-half-to-even; a crop larger than the image pads it with black, the
    /// smaller half of the padding before.
    public func centerCropped(width newWidth: Int, height newHeight: Int) -> RGBImage {
        cropped(x: centerCropOffset(size: width, crop: newWidth),
                y: centerCropOffset(size: height, crop: newHeight),
                width: newWidth, height: newHeight)
    }
}

/// Where torchvision's `center_crop` starts along one axis.
private func centerCropOffset(size: Int, crop: Int) -> Int {
    if crop > size { return -((crop - size) / 2) }
    return Int((Double(size - crop) / 2).rounded(.toNearestOrEven))
}

/// The part of start ..< start + length that lies in 0 ..< size (empty if none).
private func overlap(start: Int, length: Int, size: Int) -> Range<Int> {
    let lower = min(max(start, 0), size)
    return lower..<max(lower, min(start + length, size))
}
