/// The input rows as the distance kernels want them: each row padded with zeros to a multiple
/// of 16 floats (one SIMD16 load), normalised to unit length for the cosine metric, with its
/// squared norm alongside. Memory: N x roundUp(D, 16) floats.
struct PreparedVectors: Sendable {
    let count: Int
    /// Floats per row, a multiple of 16.
    let stride: Int
    let metric: Metric
    private(set) var storage: [Float]
    private(set) var squaredNorms: [Float]

    init(_ points: Points, metric: Metric) {
        count = points.count
        stride = (points.dimension + 15) / 16 * 16
        self.metric = metric
        var storage = [Float](repeating: 0, count: points.count * stride)
        var norms = [Float](repeating: 0, count: points.count)
        let dimension = points.dimension, stride = self.stride
        points.values.withUnsafeBufferPointer { source in
            storage.withUnsafeMutableBufferPointer { target in
                norms.withUnsafeMutableBufferPointer { norms in
                    for i in 0..<points.count {
                        var squared: Float = 0
                        for c in 0..<dimension {
                            let v = source[i * dimension + c]
                            target[i * stride + c] = v
                            squared += v * v
                        }
                        if metric == .cosine && squared > 0 {
                            let scale = 1 / squared.squareRoot()
                            for c in 0..<dimension { target[i * stride + c] *= scale }
                            squared = 1
                        }
                        norms[i] = squared
                    }
                }
            }
        }
        self.storage = storage
        self.squaredNorms = norms
    }

    /// Read-only access to the rows for the kernels.
    func withRows<R>(_ body: (RowAccess) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { rows in
            try squaredNorms.withUnsafeBufferPointer { norms in
                try body(RowAccess(base: rows.baseAddress!, norms: norms.baseAddress!, stride: stride))
            }
        }
    }
}

/// Pointer view of `PreparedVectors`, valid inside `withRows`.
struct RowAccess {
    let base: UnsafePointer<Float>
    let norms: UnsafePointer<Float>
    let stride: Int

    @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> { base + i * stride }

    /// Squared euclidean distance between rows i and j, computed from their difference.
    @inline(__always) func squaredDistance(_ i: Int, _ j: Int) -> Float {
        squaredDistanceKernel(row(i), row(j), stride)
    }
}

@inline(__always) private func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

/// sum((a - b)^2) over `length` floats, `length` a multiple of 16.
@inline(__always) func squaredDistanceKernel(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ length: Int) -> Float {
    var even = SIMD16<Float>(), odd = SIMD16<Float>()
    var c = 0
    while c + 32 <= length {
        let d0 = load16(a + c) - load16(b + c)
        let d1 = load16(a + c + 16) - load16(b + c + 16)
        even.addProduct(d0, d0)
        odd.addProduct(d1, d1)
        c += 32
    }
    if c < length {
        let d0 = load16(a + c) - load16(b + c)
        even.addProduct(d0, d0)
    }
    return (even + odd).sum()
}

/// The 4 x 4 dot products of rows a0...a3 with rows b0...b3 (`length` a multiple of 16),
/// returned row-major: result[4 * i + j] = a_i . b_j. Sixteen SIMD16 accumulators stay in
/// registers (AVX-512 has 32), so each loaded chunk serves four products.
@inline(__always) func dotProducts4x4(
    _ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>, _ a2: UnsafePointer<Float>, _ a3: UnsafePointer<Float>,
    _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>, _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>,
    _ length: Int
) -> SIMD16<Float> {
    var c00 = SIMD16<Float>(), c01 = SIMD16<Float>(), c02 = SIMD16<Float>(), c03 = SIMD16<Float>()
    var c10 = SIMD16<Float>(), c11 = SIMD16<Float>(), c12 = SIMD16<Float>(), c13 = SIMD16<Float>()
    var c20 = SIMD16<Float>(), c21 = SIMD16<Float>(), c22 = SIMD16<Float>(), c23 = SIMD16<Float>()
    var c30 = SIMD16<Float>(), c31 = SIMD16<Float>(), c32 = SIMD16<Float>(), c33 = SIMD16<Float>()
    var c = 0
    while c < length {
        let x0 = load16(a0 + c), x1 = load16(a1 + c), x2 = load16(a2 + c), x3 = load16(a3 + c)
        let y0 = load16(b0 + c), y1 = load16(b1 + c), y2 = load16(b2 + c), y3 = load16(b3 + c)
        c00.addProduct(x0, y0); c01.addProduct(x0, y1); c02.addProduct(x0, y2); c03.addProduct(x0, y3)
        c10.addProduct(x1, y0); c11.addProduct(x1, y1); c12.addProduct(x1, y2); c13.addProduct(x1, y3)
        c20.addProduct(x2, y0); c21.addProduct(x2, y1); c22.addProduct(x2, y2); c23.addProduct(x2, y3)
        c30.addProduct(x3, y0); c31.addProduct(x3, y1); c32.addProduct(x3, y2); c33.addProduct(x3, y3)
        c += 16
    }
    return SIMD16(c00.sum(), c01.sum(), c02.sum(), c03.sum(),
                  c10.sum(), c11.sum(), c12.sum(), c13.sum(),
                  c20.sum(), c21.sum(), c22.sum(), c23.sum(),
                  c30.sum(), c31.sum(), c32.sum(), c33.sum())
}
