import Foundation

/// UMAP's fuzzy simplicial set (McInnes, Healy & Melville 2018, section 3): each point's
/// neighbour distances are turned into memberships exp(-(d - rho) / sigma), where rho is the
/// distance to its nearest neighbour and sigma is found by bisection so that the memberships
/// add up to log2(k + 1); then the directed graph is symmetrised by fuzzy union
/// w = a + b - a b. Memory: a few arrays of N x k plus the CSR result.
enum FuzzySimplicialSet {
    /// `neighbors` excludes each point itself; umap-learn's n_neighbors is `neighbors.k + 1`.
    static func build(_ neighbors: NeighborGraph) -> SparseGraph {
        let n = neighbors.count, k = neighbors.k
        let target = log2(Float(k + 1))
        let meanDistance = neighbors.distances.reduce(0, +) / Float(max(1, neighbors.distances.count))
        var memberships = [Float](repeating: 0, count: n * k)
        // Rows in parallel, each part writing its own rows' memberships.
        let parts = 4 * workerCount
        memberships.withUnsafeMutableBufferPointer { memberships in
            parallelFor(parts) { part in
                for i in slice(part, of: parts, count: n) {
                    let distances = neighbors.distances[(i * k)..<(i * k + k)]
                    let (rho, sigma) = smoothDistances(distances, target: target, meanDistance: meanDistance)
                    for (slot, d) in zip(distances.indices, distances) {
                        memberships[slot] = (d - rho <= 0 || sigma == 0) ? 1 : exp(-(d - rho) / sigma)
                    }
                }
            }
        }
        // Both directions of every edge; a pair found from both ends merges by fuzzy union.
        return SparseGraph(symmetrising: neighbors, weights: memberships, combine: { a, b in a + b - a * b })
    }

    /// rho (the nearest non-zero distance) and sigma for one point, as umap-learn's
    /// smooth_knn_dist with local_connectivity 1 and bandwidth 1.
    static func smoothDistances(_ distances: ArraySlice<Float>, target: Float, meanDistance: Float) -> (rho: Float, sigma: Float) {
        let rho = distances.first(where: { $0 > 0 }) ?? 0
        var low: Float = 0, high = Float.infinity, sigma: Float = 1
        for _ in 0..<64 {
            var sum: Float = 0
            for d in distances {
                let excess = d - rho
                sum += excess > 0 ? exp(-excess / sigma) : 1
            }
            if abs(sum - target) < 1e-5 { break }
            if sum > target {
                high = sigma
                sigma = (low + high) / 2
            } else {
                low = sigma
                sigma = high == .infinity ? sigma * 2 : (low + high) / 2
            }
        }
        let floor: Float = 1e-3
        if rho > 0 {
            let mean = distances.reduce(0, +) / Float(distances.count)
            sigma = max(sigma, floor * mean)
        } else {
            sigma = max(sigma, floor * meanDistance)
        }
        return (rho, sigma)
    }
}
