import Foundation

/// Approximate k nearest neighbours by NN-descent (Dong, Moses & Li 2011, as pynndescent runs
/// it): start from the points that share random-projection-tree leaves, then repeatedly compare
/// each point's neighbours with one another ("a neighbour of a neighbour is likely a
/// neighbour") until an iteration improves fewer than `delta` x N x k entries.
/// Memory: the N x k heaps, 2 x N x maxCandidates candidate lists and one block's updates.
enum NNDescent {
    struct Parameters {
        var trees: Int
        var leafSize: Int
        var maxIterations: Int
        var maxCandidates: Int
        var delta: Float = 0.001
        /// Points handled between two applications of their updates.
        var blockSize: Int = 16384

        /// For N points and k neighbours: pynndescent's leaf size and iterations as umap-learn
        /// calls it; about half its trees and up to 2k candidates (umap-learn: 60), which keeps
        /// recall above 0.95 on uniform random data at less cost.
        init(count: Int, k: Int) {
            trees = min(32, 4 + Int((Double(count).squareRoot() / 40).rounded()))
            leafSize = max(10, k)
            maxIterations = max(5, Int(log2(Double(max(count, 2))).rounded()))
            maxCandidates = min(60, 2 * k)
        }
    }

    static func search(_ vectors: PreparedVectors, k: Int, parameters: Parameters, seed: UInt64,
                       progress: ProgressHandler?) -> NeighborHeaps {
        let n = vectors.count
        var heaps = NeighborHeaps(count: n, k: k)
        var random = SeededGenerator(seed: seed, stream: 0xD35C)
        progress?(LayoutProgress(stage: .neighbors, completed: 0, total: parameters.maxIterations,
                                 detail: "random projection forest (\(parameters.trees) trees)"))
        // A few trees at a time (as many as there are workers), each dropped once its leaves'
        // pairs are applied: memory for the forest stays a few trees' worth, not `trees` of them
        // (at 1,000,000 points, 29 trees held about 0.5 GB). The result does not change: every
        // tree is seeded by its number and their pairs are applied in that order.
        let group = max(1, workerCount)
        for first in stride(from: 0, to: parameters.trees, by: group) {
            let forest = RandomProjectionForest.leaves(vectors, trees: first..<min(first + group, parameters.trees),
                                                       leafSize: parameters.leafSize, seed: seed)
            vectors.withRows { rows in
                heaps.withUnsafeHeaps { heaps in
                    for leaves in forest {
                        _ = apply(leafPairs(leaves, rows, heaps), to: heaps, count: n)
                    }
                }
            }
        }
        vectors.withRows { rows in
            heaps.withUnsafeHeaps { heaps in
                fillEmptySlots(heaps, count: n, k: k, rows: rows, random: &random)
            }
        }
        progress?(LayoutProgress(stage: .neighbors, completed: 0, total: parameters.maxIterations,
                                 detail: "candidates from the forest's leaves"))
        for iteration in 0..<parameters.maxIterations {
            let candidates = Candidates(&heaps, maxCandidates: parameters.maxCandidates, random: &random)
            var changed = 0
            vectors.withRows { rows in
                heaps.withUnsafeHeaps { heaps in
                    for start in stride(from: 0, to: n, by: parameters.blockSize) {
                        let block = start..<min(n, start + parameters.blockSize)
                        changed += apply(localJoin(block, candidates, rows, heaps), to: heaps, count: n)
                    }
                }
            }
            progress?(LayoutProgress(stage: .neighbors, completed: iteration + 1, total: parameters.maxIterations,
                                     detail: "NN-descent iteration \(iteration + 1): \(changed) updates"))
            if Float(changed) <= parameters.delta * Float(k * n) { break }
        }
        return heaps
    }

    /// All pairs inside each leaf whose distance would improve one of the two heaps.
    private static func leafPairs(_ leaves: [[Int32]], _ rows: RowAccess, _ heaps: HeapAccess) -> [[NeighborUpdate]] {
        var parts = [[NeighborUpdate]](repeating: [], count: max(1, min(leaves.count, 4 * workerCount)))
        let partCount = parts.count
        parts.withUnsafeMutableBufferPointer { parts in
            parallelFor(partCount) { part in
                var updates: [NeighborUpdate] = []
                for leaf in leaves[slice(part, of: partCount, count: leaves.count)] {
                    for a in 0..<leaf.count {
                        let p = Int(leaf[a])
                        for b in (a + 1)..<leaf.count {
                            let q = Int(leaf[b])
                            let d = rows.squaredDistance(p, q)
                            if d < heaps.worst(p) || d < heaps.worst(q) {
                                updates.append(NeighborUpdate(p: Int32(p), q: Int32(q), distance: d))
                            }
                        }
                    }
                }
                parts[part] = updates
            }
        }
        return parts
    }

    /// Points whose heaps the leaves did not fill get random neighbours, so every row is full.
    private static func fillEmptySlots(_ heaps: HeapAccess, count n: Int, k: Int, rows: RowAccess,
                                       random: inout SeededGenerator) {
        guard n > k else { return }
        for p in 0..<n where heaps.indices[p * k] < 0 {
            var attempts = 0
            while heaps.indices[p * k] < 0 && attempts < 8 * k {
                let q = random.index(below: n)
                if q != p { heaps.push(p, Int32(q), rows.squaredDistance(p, q), isNew: true) }
                attempts += 1
            }
        }
    }

    /// Compares every point's new candidates with each other and with its old candidates, four
    /// by four with the dot-product kernel (|p - q|^2 = |p|^2 + |q|^2 - 2 p.q).
    private static func localJoin(_ block: Range<Int>, _ candidates: Candidates, _ rows: RowAccess,
                                  _ heaps: HeapAccess) -> [[NeighborUpdate]] {
        let partCount = 4 * workerCount
        var parts = [[NeighborUpdate]](repeating: [], count: partCount)
        let c = candidates.maxCandidates
        parts.withUnsafeMutableBufferPointer { parts in
            candidates.fresh.withUnsafeBufferPointer { fresh in
                candidates.old.withUnsafeBufferPointer { old in
                    parallelFor(partCount) { part in
                        var updates: [NeighborUpdate] = []
                        var newList: [Int] = [], oldList: [Int] = []
                        let range = slice(part, of: partCount, count: block.count)
                        for i in (block.lowerBound + range.lowerBound)..<(block.lowerBound + range.upperBound) {
                            newList.removeAll(keepingCapacity: true)
                            oldList.removeAll(keepingCapacity: true)
                            for slot in (i * c)..<(i * c + c) {
                                if fresh[slot] >= 0 { newList.append(Int(fresh[slot])) }
                                if old[slot] >= 0 { oldList.append(Int(old[slot])) }
                            }
                            for a in stride(from: 0, to: newList.count, by: 4) {
                                for b in stride(from: a, to: newList.count, by: 4) {
                                    compareBlock(newList, a, newList, b, upperTriangle: true, rows, heaps, &updates)
                                }
                                for b in stride(from: 0, to: oldList.count, by: 4) {
                                    compareBlock(newList, a, oldList, b, upperTriangle: false, rows, heaps, &updates)
                                }
                            }
                        }
                        parts[part] = updates
                    }
                }
            }
        }
        return parts
    }

    /// Distances between lhs[a..<a+4] and rhs[b..<b+4] (clipped at the ends); with
    /// `upperTriangle` (both from one list) only pairs with lhs position < rhs position count.
    @inline(__always)
    private static func compareBlock(_ lhs: [Int], _ a: Int, _ rhs: [Int], _ b: Int, upperTriangle: Bool,
                                     _ rows: RowAccess, _ heaps: HeapAccess, _ updates: inout [NeighborUpdate]) {
        let la = lhs.count - 1, lb = rhs.count - 1
        let dots = rows.dots(lhs[a], lhs[min(a + 1, la)], lhs[min(a + 2, la)], lhs[min(a + 3, la)],
                             rhs[b], rhs[min(b + 1, lb)], rhs[min(b + 2, lb)], rhs[min(b + 3, lb)])
        for x in 0..<min(4, lhs.count - a) {
            let p = lhs[a + x]
            for y in 0..<min(4, rhs.count - b) {
                if upperTriangle && a + x >= b + y { continue }
                let q = rhs[b + y]
                if p == q { continue }
                let d = max(0, rows.norms[p] + rows.norms[q] - 2 * dots[4 * x + y])
                if d < heaps.worst(p) || d < heaps.worst(q) {
                    updates.append(NeighborUpdate(p: Int32(p), q: Int32(q), distance: d))
                }
            }
        }
    }

    /// Each point's sample of new and old candidates: its own neighbours and the points that
    /// list it as a neighbour (reverse neighbours), at most `maxCandidates` of each kind chosen
    /// by random priority. Sampled new neighbours are then marked old.
    struct Candidates {
        let maxCandidates: Int
        var fresh: [Int32]
        var old: [Int32]

        init(_ heaps: inout NeighborHeaps, maxCandidates: Int, random: inout SeededGenerator) {
            self.maxCandidates = maxCandidates
            let n = heaps.count, k = heaps.k
            let priorities = (0..<(n * k)).map { _ in random.unitFloat() }
            let reverse = ReverseNeighbors(heaps)
            // The new candidates' heaps, then the old ones' (one set of candidate heaps held at a
            // time: at 1,000,000 points each is about 0.35 GB); a slot goes to one of the two.
            fresh = Self.sample(&heaps, reverse, isNew: true, maxCandidates: maxCandidates, priorities: priorities)
            old = Self.sample(&heaps, reverse, isNew: false, maxCandidates: maxCandidates, priorities: priorities)
            let fresh = self.fresh
            heaps.withUnsafeHeaps { heaps in
                fresh.withUnsafeBufferPointer { fresh in
                    // A new neighbour sampled as a new candidate is new no more.
                    parallelFor(workerCount) { worker in
                        for i in slice(worker, of: workerCount, count: n) {
                            for slot in (i * k)..<(i * k + k) where heaps.isNew[slot] {
                                let j = heaps.indices[slot]
                                for c in 0..<maxCandidates where fresh[i * maxCandidates + c] == j {
                                    heaps.isNew[slot] = false
                                    break
                                }
                            }
                        }
                    }
                }
            }
        }

        /// Each point's `maxCandidates` neighbours (both ways) of the slots whose flag is
        /// `isNew`, those of least priority kept. A row's offers come in the order of their
        /// slots (its own slots among the reverse ones), as one scan of every slot would make
        /// them; each worker fills its own rows, reading the reverse neighbours' slots from
        /// `reverse`, so the candidate heaps are written row by row, not at random.
        private static func sample(_ heaps: inout NeighborHeaps, _ reverse: ReverseNeighbors, isNew: Bool,
                                   maxCandidates: Int, priorities: [Float]) -> [Int32] {
            let n = heaps.count, k = heaps.k
            var sampled = NeighborHeaps(count: n, k: maxCandidates)
            heaps.withUnsafeHeaps { heaps in
                sampled.withUnsafeHeaps { target in
                    priorities.withUnsafeBufferPointer { priorities in
                        reverse.offsets.withUnsafeBufferPointer { offsets in
                            reverse.slots.withUnsafeBufferPointer { slots in
                                parallelFor(4 * workerCount) { part in
                                    for row in slice(part, of: 4 * workerCount, count: n) {
                                        var next = offsets[row]
                                        let end = offsets[row + 1]
                                        // Reverse offers from slots before the row's own, its own, then the rest.
                                        while next < end && Int(slots[next]) < row * k {
                                            offer(Int(slots[next]), to: row, heaps, target, isNew, priorities)
                                            next += 1
                                        }
                                        for slot in (row * k)..<(row * k + k) where heaps.isNew[slot] == isNew {
                                            let j = heaps.indices[slot]
                                            if j >= 0 { target.push(row, j, priorities[slot], isNew: false) }
                                        }
                                        while next < end {
                                            offer(Int(slots[next]), to: row, heaps, target, isNew, priorities)
                                            next += 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return sampled.indices
        }

        /// Offers slot `slot`'s owner, a reverse neighbour of `row`, to `row`'s candidates if the
        /// slot's flag is `isNew`.
        @inline(__always)
        private static func offer(_ slot: Int, to row: Int, _ heaps: HeapAccess, _ target: HeapAccess, _ isNew: Bool,
                                  _ priorities: UnsafeBufferPointer<Float>) {
            if heaps.isNew[slot] == isNew {
                target.push(row, Int32(slot / heaps.k), priorities[slot], isNew: false)
            }
        }
    }

    /// For every point, the slots of the neighbour lists that name it, in increasing order: the
    /// neighbour graph transposed, so that reverse neighbours are read row by row. Memory:
    /// 4 bytes a slot.
    struct ReverseNeighbors {
        var offsets: [Int]
        var slots: [UInt32]

        init(_ heaps: NeighborHeaps) {
            let n = heaps.count
            var counts = [Int](repeating: 0, count: n + 1)
            for j in heaps.indices where j >= 0 { counts[Int(j) + 1] += 1 }
            for i in 0..<n { counts[i + 1] += counts[i] }
            offsets = counts
            var slots = [UInt32](repeating: 0, count: counts[n])
            var fill = counts
            for (slot, j) in heaps.indices.enumerated() where j >= 0 {
                slots[fill[Int(j)]] = UInt32(slot)
                fill[Int(j)] += 1
            }
            self.slots = slots
        }
    }
}
