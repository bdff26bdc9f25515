import Tensor

/// The whitening matrix of a layer (ALGORITHMS.md section 3): S = inverse(A^T A / N), uncentred,
/// for N collected activation vectors A (N x C). Feature visualization of a direction v then
/// targets v S.
///
/// Computed in Double with a Cholesky factorisation. A^T A is singular when a channel never fires
/// (common after a ReLU) and ill-conditioned when channels are nearly dependent, so a small ridge
/// is added first: S = inverse(A^T A / N + lambda I) with lambda = `relativeRidge` x the mean
/// eigenvalue (trace / C). Eigenvalues well above lambda are untouched; a dead channel gets
/// S_cc = 1 / lambda and nothing off the diagonal, which leaves v S unchanged there (v_c = 0).
/// Lucid inverts without a ridge (`np.linalg.inv`).
public struct Whitening: Sendable {
    public let channels: Int
    /// S, C x C row by row (symmetric).
    public let matrix: [Float]
    /// The lambda added to the diagonal.
    public let ridge: Double

    /// S from activations [N, C].
    public init(activations: Tensor, relativeRidge: Double = 1e-6) throws {
        guard activations.rank == 2, activations.shape[0] > 0, activations.shape[1] > 0 else {
            throw OptvisError("whitening needs activations [N, C], got shape \(activations.shape)")
        }
        guard relativeRidge > 0 else { throw OptvisError("whitening ridge must be positive, got \(relativeRidge)") }
        let (count, channels) = (activations.shape[0], activations.shape[1])
        var gram = Self.gram(activations.values, rows: count, columns: channels)
        let trace = (0..<channels).reduce(0.0) { $0 + gram[$1 * channels + $1] }
        guard trace > 0, trace.isFinite else {
            throw OptvisError("whitening: the \(count)x\(channels) activations are all zero or not finite")
        }
        ridge = relativeRidge * trace / Double(channels)
        for c in 0..<channels { gram[c * channels + c] += ridge }
        self.channels = channels
        matrix = try Self.inverseOfPositiveDefinite(gram, size: channels).map(Float.init)
    }

    /// A whitening matrix given by the caller, C x C row by row.
    public init(matrix: [Float], channels: Int) throws {
        guard channels > 0, matrix.count == channels * channels else {
            throw OptvisError("whitening matrix of \(matrix.count) values is not \(channels)x\(channels)")
        }
        (self.channels, self.matrix, ridge) = (channels, matrix, 0)
    }

    /// v S (a row vector times S).
    public func whiten(_ vector: [Float]) throws -> [Float] {
        guard vector.count == channels else {
            throw OptvisError("cannot whiten a vector of \(vector.count) channels with a \(channels)x\(channels) matrix")
        }
        var result = [Double](repeating: 0, count: channels)
        for (i, v) in vector.enumerated() where v != 0 {
            for j in 0..<channels { result[j] += Double(v) * Double(matrix[i * channels + j]) }
        }
        return result.map(Float.init)
    }

    /// A^T A / N in Double, for A given row by row.
    static func gram(_ a: [Float], rows: Int, columns: Int) -> [Double] {
        var gram = [Double](repeating: 0, count: columns * columns)
        var row = [Double](repeating: 0, count: columns)
        gram.withUnsafeMutableBufferPointer { g in
            for r in 0..<rows {
                for c in 0..<columns { row[c] = Double(a[r * columns + c]) }
                for i in 0..<columns where row[i] != 0 {
                    let ai = row[i]
                    for j in i..<columns { g[i * columns + j] += ai * row[j] }
                }
            }
            for i in 0..<columns {
                for j in i..<columns {
                    g[i * columns + j] /= Double(rows)
                    g[j * columns + i] = g[i * columns + j]
                }
            }
        }
        return gram
    }

    /// The lower triangular L with L L^T = `m`, a symmetric positive definite n x n matrix (Cholesky).
    public static func choleskyFactor(_ m: [Double], size n: Int) throws -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var diagonal = m[j * n + j]
            for k in 0..<j { diagonal -= l[j * n + k] * l[j * n + k] }
            guard diagonal > 0, diagonal.isFinite else {
                throw OptvisError("whitening: the \(n)x\(n) matrix is not positive definite at channel \(j)")
            }
            let root = diagonal.squareRoot()
            l[j * n + j] = root
            for i in (j + 1)..<n {
                var sum = m[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = sum / root
            }
        }
        return l
    }

    /// The inverse of a symmetric positive definite matrix: M = L L^T, then M^-1 = L^-T L^-1.
    static func inverseOfPositiveDefinite(_ m: [Double], size n: Int) throws -> [Double] {
        let l = try choleskyFactor(m, size: n)
        // Y = L^-1, lower triangular, by forward substitution on the columns of I.
        var y = [Double](repeating: 0, count: n * n)
        for column in 0..<n {
            for i in column..<n {
                var sum = i == column ? 1.0 : 0.0
                for k in column..<i { sum -= l[i * n + k] * y[k * n + column] }
                y[i * n + column] = sum / l[i * n + i]
            }
        }
        // S = Y^T Y.
        var s = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var sum = 0.0
                for k in j..<n { sum += y[k * n + i] * y[k * n + j] }
                s[i * n + j] = sum
                s[j * n + i] = sum
            }
        }
        return s
    }
}
