import CLayoutKernels
import Foundation

/// UMAP's stochastic gradient descent (umap-learn's optimize_layout_euclidean): every edge is
/// sampled in proportion to its weight, pulling its head towards its tail, and each sample
/// brings `negativeSampleRate` random points that push the head away; the learning rate falls
/// linearly to 0 over the epochs. Two bookkeeping differences, both for memory traffic: which
/// edges are due is computed from their frequencies (`EdgeSchedule`), not counted in per-edge
/// state, and every sample brings exactly `negativeSampleRate` pushes, where umap-learn keeps a
/// per-edge count of pushes due (4.985 a sample on hard-50000 at rate 5: an edge's first sample
/// brings 4). Every epoch read and wrote 16 bytes for each of the 1.4 M edges at 50,000 points
/// and most were not due; now it reads 6 (docs/benchmarks.md, "The epoch schedule").
///
/// A sample's pull and pushes are evaluated together, in eight SIMD lanes at the head's position, by the C kernel `atlas_umap_rows2` / `rows4`
/// (CLayoutKernels: Swift's generic SIMD arithmetic compiled this loop to two- and four-lane
/// pieces and a branch per lane).
///
/// Parallel and exactly reproducible: the points are split into a fixed number of slices with
/// equal numbers of edges, each with its own random stream. A slice moves only its own points
/// (in place, as umap-learn moves the head), and reads every other point from a copy of the
/// layout, so no thread reads what another is writing and the result does not depend on the
/// number of cores. The copy is renewed `rounds` times an epoch, each round moving a part of
/// every slice's rows (the rows a round moved are copied before the next: one copy of the layout
/// per epoch in all). With the copy renewed once an epoch, every pull read positions up to an epoch
/// old, and on data of many clusters 200 epochs fell short of umap-learn's: trustworthiness 0.864
/// against 0.883 on 30,000 points of 200 clusters (mean of seeds 0-2); 0.878 with 8 rounds, whose
/// kNN label accuracy, 0.645, passes umap-learn's 0.635. More rounds gain nothing more (64:
/// 0.887 at 50,000 points, seed 0); the gap that remained came from the pull's step, see
/// `stepScale`.
struct UMAPOptimizer {
    let a: Float
    let b: Float
    var repulsionStrength: Float = 1
    var learningRate: Float = 1
    var negativeSampleRate: Int = 5
    /// Slices of points, fixed so that the output does not depend on the machine.
    static let slices = 64
    /// Each epoch runs in this many rounds, each slice taking the next part of its rows, and the
    /// copy of the layout that slices read is renewed between rounds: a point's pull reads its
    /// neighbours where they were at most a round ago, not an epoch ago.
    static let rounds = 8

    /// The learning rate's factor per step. umap-learn moves both ends of a sampled edge by
    /// alpha g: each point of a pair takes two steps of g a period, at two moments of the epoch.
    /// Here each end moves only itself, by 2 alpha g (the kernel's pull weight 2): the same total
    /// in one step twice as long. With the pull's steep gradient near its target (b < 1), that
    /// step overshoots more, and on 200 overlapping clusters it cost 0.010 trustworthiness against
    /// umap-learn's optimiser on the same graph and initial layout (hard-50000, cosine: 0.890
    /// against 0.900; a sequential re-implementation of either rule gives 0.889 and 0.899, so
    /// neither staleness nor parallelism is the cause). Halving every step (pulls and pushes)
    /// brings the pull's step to umap-learn's; at that rate both rules score alike (0.904 and
    /// 0.905). Part of the lead it gives over umap-learn (docs/benchmarks.md) is the smaller step
    /// itself: umap-learn's rule at half its rate also scores 0.905. No change on digits or
    /// clusters-10000 (euclidean, and cosine 20 / 0.01, 500 epochs). Revisit if the pull's rule
    /// changes.
    static let stepScale: Float = 0.5

    /// Positions are held as 2 floats for 1 or 2 output dimensions and as 4 for 3 or 4: one
    /// vector load per point, and the smallest copy of the layout for the random reads, which
    /// are what an epoch waits on.
    static let maximumDimensions = 4

    /// The graph is consumed: freed once the edges' schedule is built (at 1,000,000 points it
    /// is 8 bytes x 28 M edges).
    func optimise(_ embedding: inout [Float], dimensions: Int, graph: consuming SparseGraph, epochs: Int, seed: UInt64,
                  progress: ProgressHandler?) {
        precondition(dimensions >= 1 && dimensions <= Self.maximumDimensions)
        let stride = dimensions <= 2 ? 2 : 4
        let n = graph.count
        releaseFreedMemory()
        let schedule = EdgeSchedule(consume graph, epochs: epochs)
        var generators = (0..<Self.slices).map { index in
            var seeded = SeededGenerator(seed: seed, stream: 0x5EED_0000 &+ UInt64(index))
            return atlas_random(s: (seeded.next(), seeded.next(), seeded.next(), seeded.next()))
        }
        let bounds = Self.sliceBounds(offsets: schedule.offsets, slices: Self.slices)
        // Each slice's room to list a round's due edges (the kernel's scratch): its largest
        // round's rows and edges, and the 15 places the kernel's 16-wide pass may write past them.
        let room = (0..<Self.slices).map { index in
            (0..<Self.rounds).map { round in
                let rows = chunk(round, ofSlice: index, bounds)
                return rows.count + Int(schedule.offsets[rows.upperBound] - schedule.offsets[rows.lowerBound]) + 15
            }.max()!
        }
        let scratchStart = room.reduce(into: [0]) { $0.append($0.last! + $1) }
        var scratch = [Int32](repeating: 0, count: scratchStart.last!)
        var positions = [Float](repeating: 0, count: n * stride)
        for i in 0..<n {
            for d in 0..<dimensions { positions[i * stride + d] = embedding[i * dimensions + d] }
        }
        var snapshot = positions
        let kernel = stride == 2 ? atlas_umap_rows2 : atlas_umap_rows4
        // Round `round` of `epoch`: every slice samples its part of its rows, in parallel.
        func sample(epoch: Int, round: Int, alpha: Float) {
            positions.withUnsafeMutableBufferPointer { positions in
                snapshot.withUnsafeBufferPointer { snapshot in
                    scratch.withUnsafeMutableBufferPointer { scratch in
                        generators.withUnsafeMutableBufferPointer { generators in
                            withRound(of: schedule, epoch: epoch, alpha: alpha, count: n,
                                      positions: positions.baseAddress!, snapshot: snapshot.baseAddress!) { context in
                                parallelFor(Self.slices) { index in
                                    let rows = chunk(round, ofSlice: index, bounds)
                                    kernel(context, Int64(rows.lowerBound), Int64(rows.upperBound),
                                           generators.baseAddress! + index, scratch.baseAddress! + scratchStart[index])
                                }
                            }
                        }
                    }
                }
            }
        }
        let reportEvery = max(1, epochs / 20)
        for epoch in 0..<epochs {
            // Epoch 0 samples nothing: an edge is due first after one period, at least one epoch.
            if epoch > 0 {
                let alpha = Self.stepScale * learningRate * (1 - Float(epoch) / Float(epochs))
                for round in 0..<Self.rounds {
                    // The rows the last round moved, into the copy (one copy of the layout per epoch in all).
                    if epoch > 1 || round > 0 {
                        let last = (round + Self.rounds - 1) % Self.rounds
                        for index in 0..<Self.slices {
                            let rows = chunk(last, ofSlice: index, bounds)
                            for f in (rows.lowerBound * stride)..<(rows.upperBound * stride) { snapshot[f] = positions[f] }
                        }
                    }
                    sample(epoch: epoch, round: round, alpha: alpha)
                }
            }
            if (epoch + 1) % reportEvery == 0 || epoch + 1 == epochs {
                progress?(LayoutProgress(stage: .optimisation, completed: epoch + 1, total: epochs, detail: "epochs"))
            }
        }
        for i in 0..<n {
            for d in 0..<dimensions { embedding[i * dimensions + d] = positions[i * stride + d] }
        }
    }

    /// The kernel's record of one round of `epoch`.
    private func withRound<R>(of schedule: EdgeSchedule, epoch: Int, alpha: Float, count: Int,
                              positions: UnsafeMutablePointer<Float>, snapshot: UnsafePointer<Float>,
                              _ body: (UnsafePointer<atlas_umap_round>) -> R) -> R {
        schedule.offsets.withUnsafeBufferPointer { offsets in
            schedule.tails.withUnsafeBufferPointer { tails in
                schedule.frequencies.withUnsafeBufferPointer { frequencies in
                    var round = atlas_umap_round(
                        epoch: Int32(truncatingIfNeeded: epoch), alpha: alpha, a: a, b: b,
                        repulsion: repulsionStrength, negative_rate: Int32(negativeSampleRate),
                        count: Int64(count), positions: positions, snapshot: snapshot, offsets: offsets.baseAddress!,
                        tails: tails.baseAddress!, frequencies: frequencies.baseAddress!)
                    return withUnsafePointer(to: &round) { body($0) }
                }
            }
        }
    }

    /// The rows of slice `index` that round `round` of an epoch moves.
    private func chunk(_ round: Int, ofSlice index: Int, _ bounds: [Int]) -> Range<Int> {
        let part = slice(round, of: Self.rounds, count: bounds[index + 1] - bounds[index])
        return bounds[index] + part.lowerBound..<bounds[index] + part.upperBound
    }

    /// Row boundaries that split the edges into `slices` nearly equal runs.
    static func sliceBounds(offsets: [Int64], slices: Int) -> [Int] {
        let rows = offsets.count - 1, edges = Int(offsets[rows])
        var bounds = [0]
        var row = 0
        for s in 1..<slices {
            let target = edges * s / slices
            while row < rows && Int(offsets[row]) < target { row += 1 }
            bounds.append(max(bounds.last!, row))
        }
        bounds.append(rows)
        return bounds
    }
}

/// The graph's edges with how often each is sampled: an edge of weight w is due in the epochs
/// where floor(epoch x w / max(w)) passes a whole number, every max(w) / w epochs as in
/// umap-learn (which counts each edge's next epoch instead); edges lighter than max(w) / epochs
/// never would be and are dropped. The frequency w / max(w) is held in 16 bits, to 1/65,536.
/// Memory: 6 bytes an edge kept, which every epoch reads (10 MB at 1.4 M edges against 22 MB for
/// umap-learn's per-edge next epochs and periods).
struct EdgeSchedule {
    /// Where each row's kept edges start (and the end).
    var offsets: [Int64]
    var tails: [Int32]
    /// Samples per 65,536 epochs, less one.
    var frequencies: [UInt16]

    init(_ graph: consuming SparseGraph, epochs: Int) {
        let largest = graph.weights.max() ?? 1
        let threshold = largest / Float(max(1, epochs))
        let kept = graph.weights.count { $0 >= threshold && $0 > 0 }
        offsets = [0]
        offsets.reserveCapacity(graph.count + 1)
        tails = []
        tails.reserveCapacity(kept)
        frequencies = []
        frequencies.reserveCapacity(kept)
        for i in 0..<graph.count {
            for e in graph.offsets[i]..<graph.offsets[i + 1] where graph.weights[e] >= threshold && graph.weights[e] > 0 {
                tails.append(graph.columns[e])
                let frequency = (graph.weights[e] / largest * 65536).rounded()
                frequencies.append(UInt16(min(65536, max(1, frequency)) - 1))
            }
            offsets.append(Int64(tails.count))
        }
    }
}
