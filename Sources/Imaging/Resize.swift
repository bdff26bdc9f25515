extension RGBImage {
    /// Resampled to width x height exactly as Pillow's `Image.resize((width, height),
    /// Image.BILINEAR)` does (which is what torchvision's `Resize` does to PIL images): a
    /// triangle filter widened by the scale factor when shrinking (antialiasing), fixed-point
    /// weights, and two separable passes, the first rounded to bytes. As in Pillow 13, the
    /// vertical pass comes first when the height loses more than twice as many pixels as the
    /// width; otherwise the horizontal pass comes first, over just the rows the vertical pass
    /// reads (Pillow before 13 always did that, which can differ by one level in the other
    /// case). Both sizes must be positive.
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "resized: \(newWidth) x \(newHeight) is not a valid size")
        precondition(width > 0 && height > 0, "resized: cannot resample an empty image")
        precondition(pixels.count == width * height * 3, "resized: \(pixels.count) bytes for \(width) x \(height) pixels")
        let horizontal = BilinearTaps(inputSize: width, outputSize: newWidth)
        let vertical = BilinearTaps(inputSize: height, outputSize: newHeight)
        let verticalFirst = height - newHeight > 0 && height - newHeight > (width - newWidth) * 2
        if verticalFirst {
            let shorter = resampledVertically(taps: vertical, rowOffset: 0)
            return newWidth == width ? shorter : shorter.resampledHorizontally(rows: 0..<newHeight, taps: horizontal)
        }
        var image = self
        var rowOffset = 0
        if newWidth != width {
            let firstRow = vertical.first[0]
            let endRow = vertical.first[newHeight - 1] + vertical.count[newHeight - 1]
            image = resampledHorizontally(rows: firstRow..<endRow, taps: horizontal)
            rowOffset = firstRow
        }
        if newHeight != height {
            image = image.resampledVertically(taps: vertical, rowOffset: rowOffset)
        }
        return image
    }

    /// torchvision's `Resize(shortSide)`: the shorter side becomes `shortSide` and the longer
    /// one `int(shortSide * long / short)`, then `resized(width:height:)`.
    public func resized(shortSide: Int) -> RGBImage {
        let (short, long) = width <= height ? (width, height) : (height, width)
        let newLong = Int(Double(shortSide * long) / Double(short))
        return width <= height
            ? resized(width: shortSide, height: newLong)
            : resized(width: newLong, height: shortSide)
    }

    /// The given rows, each resampled to `taps.count.count` pixels.
    ///
    /// The hot loop of reading a photo collection. Its indices stay inside the buffers by the taps'
    /// construction (`first[x] + count[x] <= width`), so it reads through buffer pointers and
    /// computes indices with wrapping arithmetic: this module keeps Swift's checks (it reads
    /// users' files), and those checks cost 13% of `atlas classify` on a folder here.
    private func resampledHorizontally(rows: Range<Int>, taps: BilinearTaps) -> RGBImage {
        let newWidth = taps.count.count
        var output = [UInt8](repeating: 0, count: newWidth * rows.count * 3)
        pixels.withUnsafeBufferPointer { source in
            taps.weights.withUnsafeBufferPointer { weights in
                taps.first.withUnsafeBufferPointer { first in
                    taps.count.withUnsafeBufferPointer { count in
                        output.withUnsafeMutableBufferPointer { target in
                            for (outRow, row) in rows.enumerated() {
                                let sourceRow = row &* width &* 3
                                let targetRow = outRow &* newWidth &* 3
                                for x in 0..<newWidth {
                                    var red = BilinearTaps.half, green = BilinearTaps.half, blue = BilinearTaps.half
                                    var at = sourceRow &+ first[x] &* 3
                                    var tap = x &* taps.stride
                                    for _ in 0..<count[x] {
                                        let weight = weights[tap]
                                        red &+= Int32(source[at]) &* weight
                                        green &+= Int32(source[at &+ 1]) &* weight
                                        blue &+= Int32(source[at &+ 2]) &* weight
                                        at &+= 3
                                        tap &+= 1
                                    }
                                    let out = targetRow &+ 3 &* x
                                    target[out] = BilinearTaps.byte(red)
                                    target[out &+ 1] = BilinearTaps.byte(green)
                                    target[out &+ 2] = BilinearTaps.byte(blue)
                                }
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: rows.count, pixels: output)
    }

    /// Every column resampled to `taps.count.count` rows; the taps' row numbers are relative to
    /// `rowOffset`, the source row that this image's first row was. Unchecked arithmetic inside,
    /// as `resampledHorizontally` says why.
    private func resampledVertically(taps: BilinearTaps, rowOffset: Int) -> RGBImage {
        let newHeight = taps.count.count
        let rowBytes = width * 3
        var output = [UInt8](repeating: 0, count: rowBytes * newHeight)
        var sums = [Int32](repeating: 0, count: rowBytes)
        pixels.withUnsafeBufferPointer { source in
            taps.weights.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { target in
                    sums.withUnsafeMutableBufferPointer { sums in
                        // Row by row, so that the inner loop runs along contiguous bytes.
                        for y in 0..<newHeight {
                            for i in 0..<rowBytes { sums[i] = BilinearTaps.half }
                            let start = (taps.first[y] - rowOffset) * rowBytes
                            for t in 0..<taps.count[y] {
                                let weight = weights[y &* taps.stride &+ t]
                                let sourceRow = start &+ t &* rowBytes
                                for i in 0..<rowBytes {
                                    sums[i] &+= Int32(source[sourceRow &+ i]) &* weight
                                }
                            }
                            let targetRow = y &* rowBytes
                            for i in 0..<rowBytes { target[targetRow &+ i] = BilinearTaps.byte(sums[i]) }
                        }
                    }
                }
            }
        }
        return RGBImage(width: width, height: newHeight, pixels: output)
    }
}
