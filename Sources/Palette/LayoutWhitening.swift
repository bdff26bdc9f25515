import Optvis

/// Whitened activations for the layout: rows of A K, where K K^T = S is the Cholesky factor of
/// the whitening matrix S = (A^T A / N)^-1. Then (A K)^T (A K) / N = K^T S^-1 K = I: the second
/// moment of the whitened rows is the identity. A K differs from the symmetric A S^(1/2) by a
/// rotation only, which changes neither euclidean nor cosine distances, so UMAP sees the same.
public enum LayoutWhitening {
    /// `activations` [N, C] row by row, times the Cholesky factor of `whitening`.
    public static func whiten(_ activations: [Float], with whitening: Whitening) throws -> [Float] {
        let channels = whitening.channels
        guard activations.count % channels == 0 else {
            throw PaletteError("cannot whiten \(activations.count) values in rows of \(channels) channels")
        }
        let factor = try Whitening.choleskyFactor(whitening.matrix.map(Double.init), size: channels)
        let rows = activations.count / channels
        var result = [Float](repeating: 0, count: activations.count)
        var row = [Double](repeating: 0, count: channels)
        for r in 0..<rows {
            for j in 0..<channels { row[j] = 0 }
            for i in 0..<channels {
                let a = Double(activations[r * channels + i])
                guard a != 0 else { continue }
                // K is lower triangular: row i of K is non-zero up to column i.
                for j in 0...i { row[j] += a * factor[i * channels + j] }
            }
            for j in 0..<channels { result[r * channels + j] = Float(row[j]) }
        }
        return result
    }
}
