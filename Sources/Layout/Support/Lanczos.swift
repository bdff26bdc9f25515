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
            for _ in 0..<2 {
                if let excluding { subtract(projectionOf: &w, onto: excluding) }
                for b in basis { subtract(projectionOf: &w, onto: b) }
            }
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

    private static func subtract(projectionOf w: inout [Float], onto unit: [Float]) {
        let c = Float(dot(w, unit))
        for i in w.indices { w[i] -= c * unit[i] }
    }

    private static func normalise(_ v: inout [Float]) {
        let norm = Float(dot(v, v).squareRoot())
        if norm > 0 { for i in v.indices { v[i] /= norm } }
    }
}
