/// Copies the elements that `reference` sees out of `storage` (the little-endian bytes of its
/// whole saved storage) into C order, converted to Float. Checks first that every element the
/// offset, size and stride reach lies inside the storage (or its view window).
func gatherTensor(_ reference: TensorReference, from storage: UnsafeRawBufferPointer) throws -> [Float] {
    let source = reference.storage
    let dtype = source.dtype
    guard storage.count >= (try source.byteCount()) else {
        throw FormatProblem("storage '\(source.key)' has \(storage.count) bytes, fewer than its \(source.count) \(dtype.rawValue) elements need")
    }
    let layout = "offset \(reference.offset), size \(formatShape(reference.shape)), stride \(formatShape(reference.stride))"
    guard let count = elementCount(reference.shape) else {
        throw FormatProblem("tensor size \(formatShape(reference.shape)) overflows")
    }
    if count == 0 { return [] }
    guard let last = lastIndex(reference), last < source.window.count else {
        throw FormatProblem("reaches past the end of storage '\(source.key)', which holds \(source.window.count) \(dtype.rawValue) elements (\(layout))")
    }
    let base = storage.baseAddress! + source.window.lowerBound * dtype.size
    if dtype == .float32, isContiguous(reference.shape, reference.stride) {
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
                from: base + reference.offset * 4, byteCount: count * 4)
            initialized = count
        }
    }
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        stridedCopy(reference, base: base, count: count, into: buffer.baseAddress!)
        initialized = count
    }
}

/// The element count of `shape`, or nil if it overflows.
private func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for size in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: size)
        if overflow { return nil }
        count = product
    }
    return count
}

/// `offset + sum((size[i] - 1) * stride[i])` for a non-empty tensor, or nil if it overflows.
private func lastIndex(_ reference: TensorReference) -> Int? {
    var last = reference.offset
    for (size, stride) in zip(reference.shape, reference.stride) {
        let (step, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
        let (sum, overflowSum) = last.addingReportingOverflow(step)
        if overflow || overflowSum { return nil }
        last = sum
    }
    return last
}

/// Whether the stride is C order's for this shape (dimensions of size 1 may have any stride).
private func isContiguous(_ shape: [Int], _ stride: [Int]) -> Bool {
    var expected = 1
    for (size, step) in zip(shape, stride).reversed() where size != 1 {
        if step != expected { return false }
        expected *= size
    }
    return true
}

/// Walks the index space in C order: an odometer over the outer dimensions, a strided run over
/// the last one.
private func stridedCopy(_ reference: TensorReference, base: UnsafeRawPointer, count: Int,
                         into output: UnsafeMutablePointer<Float>) {
    let dtype = reference.storage.dtype
    guard let innerSize = reference.shape.last, let innerStride = reference.stride.last else {
        output[0] = dtype.load(base, reference.offset)  // a scalar
        return
    }
    let outerShape = reference.shape.dropLast()
    let outerStride = reference.stride.dropLast()
    var index = [Int](repeating: 0, count: outerShape.count)
    var start = reference.offset
    var written = 0
    while written < count {
        for inner in 0..<innerSize {
            output[written + inner] = dtype.load(base, start + inner * innerStride)
        }
        written += innerSize
        var dimension = outerShape.count - 1
        while dimension >= 0 {
            index[dimension] += 1
            start += outerStride[dimension]
            if index[dimension] < outerShape[dimension] { break }
            start -= outerStride[dimension] * outerShape[dimension]
            index[dimension] = 0
            dimension -= 1
        }
    }
}

/// A copy of `bytes` with each `elementSize`-byte element reversed (big- to little-endian).
func byteSwapped(_ bytes: UnsafeRawBufferPointer, elementSize: Int) -> [UInt8] {
    var swapped = [UInt8](bytes)
    guard elementSize > 1 else { return swapped }
    for start in stride(from: 0, to: swapped.count - elementSize + 1, by: elementSize) {
        swapped[start..<start + elementSize].reverse()
    }
    return swapped
}
