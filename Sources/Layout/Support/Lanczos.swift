/// The leading eigenvectors of a symmetric linear operator by the Lanczos method with full
/// reorthogonalisation (one run of `steps` steps, no restart: enough for an initial layout).
/// Memory: steps x size floats for the Lanczos basis.
enum Lanczos {
    /// The `count` eigenvectors of largest eigenvalue of `apply` (y = A x), each orthogonal to
    /// the unit vector `excluding` when given. Vectors come back unit-length, largest first.
    static func topEigenvectors(size n: Int, count: Int, steps requested: Int, excluding: [Float]? = nil,
                                random: inout SeededGenerator,
                                apply: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> [[Float]] {
        let steps = max(count, min(requested, n - (excluding == nil ? 0 : 1)))
        var basis: [[Float]] = []
        var alphas: [Double] = [], betas: [Double] = []
        var q = (0..<n).map { _ in Float(random.normal()) }
        func orthogonalise(_ w: inout [Float]) {
            let against = (excluding.map { [$0] } ?? []) + basis
            for _ in 0..<2 { subtract(projectionsOf: &w, onto: against) }
        }
        orthogonalise(&q)
        normalise(&q)
        var w = [Float](repeating: 0, count: n)
        for _ in 0..<steps {
            basis.append(q)
            q.withUnsafeBufferPointer { x in w.withUnsafeMutableBufferPointer { y in apply(x, y) } }
            alphas.append(dot(w, q))
            orthogonalise(&w)
            let beta = dot(w, w).squareRoot()
            if beta < 1e-6 { break }
            betas.append(beta)
            q = w.map { Float(Double($0) / beta) }
        }
        let m = basis.count
        var tridiagonal = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            tridiagonal[i * m + i] = alphas[i]
            if i + 1 < m { tridiagonal[i * m + i + 1] = betas[i]; tridiagonal[(i + 1) * m + i] = betas[i] }
        }
        let (_, ritz) = SymmetricEigen.decompose(tridiagonal, size: m)
        return (0..<min(count, m)).map { column in
            var vector = [Float](repeating: 0, count: n)
            for i in 0..<m {
                let weight = Float(ritz[i * m + column])
                for j in 0..<n { vector[j] += weight * basis[i][j] }
            }
            normalise(&vector)
            return vector
        }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += Double(a[i]) * Double(b[i]) }
        return sum
    }

    /// Slices of the vectors for `subtract`, fixed so that the sums, and the layout, do not
    /// depend on the number of cores.
    static let parts = 64

    /// w -= the sum of its projections onto the orthonormal `units`, all taken from w as it
    /// comes (classical Gram-Schmidt; run twice, it orthogonalises as well as the modified,
    /// sequential form). The dot products are summed slice by slice in parallel, each slice's
    /// sums independent chains, then over the slices in order.
    private static func subtract(projectionsOf w: inout [Float], onto units: [[Float]]) {
        let n = w.count, m = units.count, parts = Self.parts
        guard m > 0 else { return }
        var partial = [Double](repeating: 0, count: parts * m)
        w.withUnsafeBufferPointer { w in
            partial.withUnsafeMutableBufferPointer { partial in
                parallelFor(parts) { part in
                    let sums = partial.baseAddress! + part * m
                    let range = slice(part, of: parts, count: n)
                    for (b, unit) in units.enumerated() {
                        // Four running sums, so that each addition need not wait for the last.
                        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                        var i = range.lowerBound
                        while i + 4 <= range.upperBound {
                            s0 += Double(w[i]) * Double(unit[i])
                            s1 += Double(w[i + 1]) * Double(unit[i + 1])
                            s2 += Double(w[i + 2]) * Double(unit[i + 2])
                            s3 += Double(w[i + 3]) * Double(unit[i + 3])
                            i += 4
                        }
                        while i < range.upperBound { s0 += Double(w[i]) * Double(unit[i]); i += 1 }
                        sums[b] = (s0 + s1) + (s2 + s3)
                    }
                }
            }
        }
        var coefficients = [Float](repeating: 0, count: m)
        for b in 0..<m {
            var sum = 0.0
            for part in 0..<parts { sum += partial[part * m + b] }
            coefficients[b] = Float(sum)
        }
        w.withUnsafeMutableBufferPointer { w in
            parallelFor(parts) { part in
                for (b, unit) in units.enumerated() {
                    let c = coefficients[b]
                    for i in slice(part, of: parts, count: n) { w[i] -= c * unit[i] }
                }
            }
        }
    }

    private static func normalise(_ v: inout [Float]) {
        let norm = Float(dot(v, v).squareRoot())
        if norm > 0 { for i in v.indices { v[i] /= norm } }
    }
}
