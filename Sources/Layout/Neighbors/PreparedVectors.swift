/// The input rows as the distance kernels want them: rows of a multiple of 16 floats (one SIMD16
/// load each), unit length for the cosine metric, with their squared norms alongside. Where the
/// dimension already is a multiple of 16 the kernels read the input's own storage (no copy: at
/// 1,000,000 x 96 that is 0.38 GB saved) and scale each row by its inverse norm as they load it,
/// for cosine; otherwise they read a copy padded with zeros and already scaled. Both give the
/// very same values: a row's element times its scale, rounded once. Memory: N floats of scales,
/// plus N x roundUp(D, 16) floats where the dimension needs padding.
struct PreparedVectors: Sendable {
    let count: Int
    /// Floats per row, a multiple of 16.
    let stride: Int
    let metric: Metric
    private let storage: [Float]
    /// What each row is multiplied by as it is loaded: 1 / |row| for cosine on the input's own
    /// storage, otherwise 1 (exact).
    private let scales: [Float]
    private let squaredNorms: [Float]

    init(_ points: Points, metric: Metric) {
        count = points.count
        stride = (points.dimension + 15) / 16 * 16
        self.metric = metric
        let dimension = points.dimension, stride = self.stride
        var scales = [Float](repeating: 1, count: points.count)
        var norms = [Float](repeating: 0, count: points.count)
        for i in 0..<points.count {
            var squared: Float = 0
            for c in 0..<dimension {
                let v = points.values[i * dimension + c]
                squared += v * v
            }
            if metric == .cosine && squared > 0 {
                scales[i] = 1 / squared.squareRoot()
                squared = 1
            }
            norms[i] = squared
        }
        if stride == dimension {
            storage = points.values
            self.scales = scales
        } else {
            var padded = [Float](repeating: 0, count: points.count * stride)
            for i in 0..<points.count {
                for c in 0..<dimension { padded[i * stride + c] = points.values[i * dimension + c] * scales[i] }
            }
            storage = padded
            self.scales = [Float](repeating: 1, count: points.count)
        }
        squaredNorms = norms
    }

    /// Read-only access to the rows for the kernels.
    func withRows<R>(_ body: (RowAccess) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { rows in
            try scales.withUnsafeBufferPointer { scales in
                try squaredNorms.withUnsafeBufferPointer { norms in
                    try body(RowAccess(base: rows.baseAddress!, scales: scales.baseAddress!, norms: norms.baseAddress!,
                                       stride: stride))
                }
            }
        }
    }
}

/// Pointer view of `PreparedVectors`, valid inside `withRows`.
struct RowAccess {
    let base: UnsafePointer<Float>
    let scales: UnsafePointer<Float>
    let norms: UnsafePointer<Float>
    let stride: Int

    /// Floats c..<c+16 of row i, as the metric sees them (scaled).
    @inline(__always) func chunk(_ i: Int, _ c: Int) -> SIMD16<Float> {
        load16(base + i * stride + c) * scales[i]
    }

    /// Squared euclidean distance between rows i and j, computed from their difference.
    @inline(__always) func squaredDistance(_ i: Int, _ j: Int) -> Float {
        var even = SIMD16<Float>(), odd = SIMD16<Float>()
        var c = 0
        while c + 32 <= stride {
            let d0 = chunk(i, c) - chunk(j, c), d1 = chunk(i, c + 16) - chunk(j, c + 16)
            even.addProduct(d0, d0)
            odd.addProduct(d1, d1)
            c += 32
        }
        if c < stride {
            let d0 = chunk(i, c) - chunk(j, c)
            even.addProduct(d0, d0)
        }
        return horizontalSum(even + odd)
    }

    /// The dot product of `vector` (`stride` floats) with row i.
    @inline(__always) func dot(_ vector: UnsafePointer<Float>, _ i: Int) -> Float {
        var sum = SIMD16<Float>()
        for c in Swift.stride(from: 0, to: stride, by: 16) { sum.addProduct(load16(vector + c), chunk(i, c)) }
        return horizontalSum(sum)
    }

    /// The 4 x 4 dot products of rows a0...a3 with rows b0...b3, returned row-major:
    /// result[4 * i + j] = a_i . b_j. Sixteen SIMD16 accumulators stay in registers (AVX-512 has
    /// 32), so each loaded chunk serves four products.
    @inline(__always) func dots(_ a0: Int, _ a1: Int, _ a2: Int, _ a3: Int,
                                _ b0: Int, _ b1: Int, _ b2: Int, _ b3: Int) -> SIMD16<Float> {
        var c00 = SIMD16<Float>(), c01 = SIMD16<Float>(), c02 = SIMD16<Float>(), c03 = SIMD16<Float>()
        var c10 = SIMD16<Float>(), c11 = SIMD16<Float>(), c12 = SIMD16<Float>(), c13 = SIMD16<Float>()
        var c20 = SIMD16<Float>(), c21 = SIMD16<Float>(), c22 = SIMD16<Float>(), c23 = SIMD16<Float>()
        var c30 = SIMD16<Float>(), c31 = SIMD16<Float>(), c32 = SIMD16<Float>(), c33 = SIMD16<Float>()
        var c = 0
        while c < stride {
            let x0 = chunk(a0, c), x1 = chunk(a1, c), x2 = chunk(a2, c), x3 = chunk(a3, c)
            let y0 = chunk(b0, c), y1 = chunk(b1, c), y2 = chunk(b2, c), y3 = chunk(b3, c)
            c00.addProduct(x0, y0); c01.addProduct(x0, y1); c02.addProduct(x0, y2); c03.addProduct(x0, y3)
            c10.addProduct(x1, y0); c11.addProduct(x1, y1); c12.addProduct(x1, y2); c13.addProduct(x1, y3)
            c20.addProduct(x2, y0); c21.addProduct(x2, y1); c22.addProduct(x2, y2); c23.addProduct(x2, y3)
            c30.addProduct(x3, y0); c31.addProduct(x3, y1); c32.addProduct(x3, y2); c33.addProduct(x3, y3)
            c += 16
        }
        return SIMD16(horizontalSum(c00), horizontalSum(c01), horizontalSum(c02), horizontalSum(c03),
                      horizontalSum(c10), horizontalSum(c11), horizontalSum(c12), horizontalSum(c13),
                      horizontalSum(c20), horizontalSum(c21), horizontalSum(c22), horizontalSum(c23),
                      horizontalSum(c30), horizontalSum(c31), horizontalSum(c32), horizontalSum(c33))
    }
}

@inline(__always) private func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}
