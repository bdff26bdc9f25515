/// The spectral layout of a connected graph (Laplacian eigenmaps, as umap-learn's init): the
/// eigenvectors of the normalised Laplacian I - D^-1/2 W D^-1/2 with the smallest non-zero
/// eigenvalues, found as the largest ones of D^-1/2 W D^-1/2 after removing its known top
/// eigenvector D^1/2 1. The sparse products run in parallel over row slices.
enum SpectralLayout {
    static func coordinates(_ graph: SparseGraph, dimensions: Int, random: inout SeededGenerator) -> [Float] {
        let n = graph.count
        var degrees = [Float](repeating: 0, count: n)
        for i in 0..<n { degrees[i] = graph.weights[graph.offsets[i]..<graph.offsets[i + 1]].reduce(0, +) }
        let inverseRoot = degrees.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        var top = degrees.map { $0.squareRoot() }
        let norm = Float(Lanczos.dot(top, top).squareRoot())
        for i in top.indices { top[i] /= norm }
        let parts = 4 * workerCount
        let vectors = graph.offsets.withUnsafeBufferPointer { offsets in
            graph.columns.withUnsafeBufferPointer { columns in
                graph.weights.withUnsafeBufferPointer { weights in
                    Lanczos.topEigenvectors(size: n, count: dimensions, steps: dimensions + 40, excluding: top,
                                            random: &random) { x, y in
                        parallelFor(parts) { part in
                            for i in slice(part, of: parts, count: n) {
                                var sum: Float = 0
                                for e in offsets[i]..<offsets[i + 1] {
                                    let j = Int(columns[e])
                                    sum += weights[e] * inverseRoot[j] * x[j]
                                }
                                y[i] = inverseRoot[i] * sum
                            }
                        }
                    }
                }
            }
        }
        var coordinates = [Float](repeating: 0, count: n * dimensions)
        for (a, vector) in vectors.enumerated() {
            for i in 0..<n { coordinates[i * dimensions + a] = vector[i] }
        }
        return coordinates
    }
}
