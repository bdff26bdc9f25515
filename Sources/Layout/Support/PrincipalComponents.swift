/// Projection of the (centred) points onto their leading principal axes, found by Lanczos on
/// the covariance operator without forming the D x D matrix. Used for initial layouts.
enum PrincipalComponents {
    /// N x `dimensions` coordinates, row-major.
    static func project(_ points: Points, dimensions: Int, random: inout SeededGenerator) -> [Float] {
        let n = points.count, d = points.dimension
        var mean = [Float](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mean[c] += points.values[i * d + c] } }
        for c in 0..<d { mean[c] /= Float(max(1, n)) }
        let parts = 4 * workerCount
        let axes = points.values.withUnsafeBufferPointer { x in
            Lanczos.topEigenvectors(size: d, count: dimensions, steps: min(d, dimensions + 12), random: &random) { v, y in
                // y = Xc^T (Xc v), summed per part then added in part order.
                let shift = zip(mean, v).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                var partial = [[Float]](repeating: [], count: parts)
                partial.withUnsafeMutableBufferPointer { partial in
                    parallelFor(parts) { part in
                        var sum = [Float](repeating: 0, count: d)
                        for i in slice(part, of: parts, count: n) {
                            var projection: Float = -shift
                            for c in 0..<d { projection += x[i * d + c] * v[c] }
                            for c in 0..<d { sum[c] += projection * (x[i * d + c] - mean[c]) }
                        }
                        partial[part] = sum
                    }
                }
                for c in 0..<d { y[c] = partial.reduce(0) { $0 + $1[c] } }
            }
        }
        var coordinates = [Float](repeating: 0, count: n * dimensions)
        for i in 0..<n {
            for (a, axis) in axes.enumerated() {
                var projection: Float = 0
                for c in 0..<d { projection += (points.values[i * d + c] - mean[c]) * axis[c] }
                coordinates[i * dimensions + a] = projection
            }
        }
        return coordinates
    }
}
