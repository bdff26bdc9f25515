import Foundation

/// t-SNE's input similarities over the k nearest neighbours (as openTSNE's
/// PerplexityBasedNN): for each point a Gaussian exp(-beta d^2) whose precision beta is found
/// by bisection so that its perplexity, 2^entropy, equals the target; then symmetrised,
/// P = (P + P^T) / 2, and normalised to sum to 1. Memory: at most 2 N k edges.
enum PerplexityAffinities {
    static func build(_ neighbors: NeighborGraph, perplexity: Double) -> SparseGraph {
        let n = neighbors.count, k = neighbors.k
        var conditional = [Float](repeating: 0, count: n * k)
        let parts = 4 * workerCount
        conditional.withUnsafeMutableBufferPointer { conditional in
            parallelFor(parts) { part in
                for i in slice(part, of: parts, count: n) {
                    let squared = neighbors.distances[(i * k)..<(i * k + k)].map { Double($0) * Double($0) }
                    let p = calibrate(squared, perplexity: perplexity)
                    for j in 0..<k { conditional[i * k + j] = Float(p[j]) }
                }
            }
        }
        var graph = SparseGraph(symmetrising: neighbors, weights: conditional, combine: +)
        let total = graph.weights.reduce(0.0) { $0 + Double($1) }
        if total > 0 { graph.weights = graph.weights.map { Float(Double($0) / total) } }
        return graph
    }

    /// The conditional probabilities p_j|i for one point, given its squared distances.
    static func calibrate(_ squared: [Double], perplexity: Double) -> [Double] {
        let targetEntropy = log(perplexity)
        let nearest = squared.min() ?? 0
        var beta = 1.0, low = 0.0, high = Double.infinity
        var p = [Double](repeating: 0, count: squared.count)
        for _ in 0..<200 {
            var sum = 0.0, weighted = 0.0
            for j in squared.indices {
                p[j] = exp(-beta * (squared[j] - nearest))
                sum += p[j]
                weighted += p[j] * (squared[j] - nearest)
            }
            // Entropy of p / sum in nats: log(sum) + beta <d^2>.
            let entropy = log(sum) + beta * weighted / sum
            for j in p.indices { p[j] /= sum }
            if abs(entropy - targetEntropy) < 1e-8 { break }
            if entropy > targetEntropy {
                low = beta
                beta = high == .infinity ? beta * 2 : (beta + high) / 2
            } else {
                high = beta
                beta = (beta + low) / 2
            }
        }
        return p
    }
}
