/// t-SNE's gradient descent, as openTSNE runs it: gradient = exaggeration x attraction -
/// repulsion / Z (openTSNE leaves out the constant factor 4), update = momentum x update -
/// learning rate x gains x gradient, with gains growing by 0.2 where the gradient changes sign
/// and shrinking by 0.8 (plus 0.01) where it does not. Repulsion by Barnes-Hut. Every sum is
/// taken per point or per fixed slice, so results do not depend on the number of cores.
struct TSNEOptimizer {
    let options: TSNEOptions
    static let slices = 64

    func optimise(_ initial: [Float], dimensions: Int, affinities: SparseGraph, progress: ProgressHandler?) -> [Float] {
        let n = affinities.count
        var positions = (0..<n).map { i in SIMD2<Float>(initial[i * dimensions], dimensions == 2 ? initial[i * dimensions + 1] : 0) }
        var update = [SIMD2<Float>](repeating: .zero, count: n)
        var gains = [SIMD2<Float>](repeating: .one, count: n)
        var attraction = [SIMD2<Float>](repeating: .zero, count: n)
        var repulsion = [SIMD2<Float>](repeating: .zero, count: n)
        var sliceQ = [Double](repeating: 0, count: Self.slices)
        let total = options.earlyExaggerationIterations + options.iterations
        let reportEvery = max(1, total / 30)
        for iteration in 0..<total {
            let early = iteration < options.earlyExaggerationIterations
            let exaggeration: Float = early ? options.earlyExaggeration : 1
            let rate = options.learningRate ?? Float(n) / exaggeration
            let tree = BarnesHutTree(positions, dimensions: dimensions)
            positions.withUnsafeBufferPointer { y in
                attraction.withUnsafeMutableBufferPointer { attraction in
                    repulsion.withUnsafeMutableBufferPointer { repulsion in
                        sliceQ.withUnsafeMutableBufferPointer { sliceQ in
                            parallelFor(Self.slices) { part in
                                var stack: [Int32] = []
                                var q = 0.0
                                for i in slice(part, of: Self.slices, count: n) {
                                    let (force, sumQ) = tree.repulsion(on: i, at: y[i], positions: y.baseAddress!,
                                                                       theta: options.theta, stack: &stack)
                                    repulsion[i] = force
                                    q += sumQ
                                    var pull = SIMD2<Float>()
                                    for e in affinities.offsets[i]..<affinities.offsets[i + 1] {
                                        let d = y[i] - y[Int(affinities.columns[e])]
                                        pull += affinities.weights[e] / (1 + (d * d).sum()) * d
                                    }
                                    attraction[i] = pull
                                }
                                sliceQ[part] = q
                            }
                        }
                    }
                }
            }
            let z = Float(max(sliceQ.reduce(0, +), 1e-12))
            for i in 0..<n {
                var gradient = exaggeration * attraction[i] - repulsion[i] / z
                if dimensions == 1 { gradient.y = 0 }
                let flipped = ((update[i] .< 0) .!= (gradient .< 0)) .| ((update[i] .== 0) .!= (gradient .== 0))  // sign differs
                gains[i] = (gains[i] * 0.8 + 0.01).replacing(with: gains[i] + 0.2, where: flipped)
                update[i] = options.momentum * update[i] - rate * gains[i] * gradient
                positions[i] += update[i]
            }
            if (iteration + 1) % reportEvery == 0 || iteration + 1 == total {
                progress?(LayoutProgress(stage: .optimisation, completed: iteration + 1, total: total,
                                         detail: early ? "early exaggeration" : "iterations"))
            }
        }
        var result = [Float](repeating: 0, count: n * dimensions)
        for i in 0..<n {
            result[i * dimensions] = positions[i].x
            if dimensions == 2 { result[i * dimensions + 1] = positions[i].y }
        }
        return result
    }
}
