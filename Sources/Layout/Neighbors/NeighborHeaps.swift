/// For every point, a bounded max-heap of its best `k` candidate neighbours so far (the worst
/// at the root), in flat arrays: N x k indices (-1 = empty), squared distances, and a "new"
/// flag used by NN-descent. Memory: 9 bytes x N x k.
struct NeighborHeaps {
    let count: Int
    let k: Int
    var indices: [Int32]
    var distances: [Float]
    var isNew: [Bool]

    init(count: Int, k: Int) {
        self.count = count
        self.k = k
        indices = [Int32](repeating: -1, count: count * k)
        distances = [Float](repeating: .infinity, count: count * k)
        isNew = [Bool](repeating: false, count: count * k)
    }

    /// The largest distance kept for `row` (infinity while the heap has room).
    @inline(__always) func worst(_ row: Int) -> Float { distances[row * k] }

    /// Sorts every row by ascending distance (heap order is lost), rows in parallel.
    mutating func sortRows() {
        let k = self.k, count = self.count, parts = 4 * workerCount
        indices.withUnsafeMutableBufferPointer { indices in
            distances.withUnsafeMutableBufferPointer { distances in
                parallelFor(parts) { part in
                    var pairs: [(Float, Int32)] = []
                    for row in slice(part, of: parts, count: count) {
                        let base = row * k
                        pairs.removeAll(keepingCapacity: true)
                        for j in 0..<k { pairs.append((distances[base + j], indices[base + j])) }
                        pairs.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                        for j in 0..<k { distances[base + j] = pairs[j].0; indices[base + j] = pairs[j].1 }
                    }
                }
            }
        }
    }
}

/// Pointer view of `NeighborHeaps` for the hot loops (valid inside `withUnsafeHeaps`).
struct HeapAccess {
    let k: Int
    let indices: UnsafeMutablePointer<Int32>
    let distances: UnsafeMutablePointer<Float>
    let isNew: UnsafeMutablePointer<Bool>

    @inline(__always) func worst(_ row: Int) -> Float { distances[row * k] }

    /// Offers `candidate` at squared distance `distance` to `row`'s heap; returns whether it
    /// was kept. With `checkDuplicates`, a candidate already present is refused.
    @inline(__always) @discardableResult
    func push(_ row: Int, _ candidate: Int32, _ distance: Float, isNew flag: Bool, checkDuplicates: Bool = true) -> Bool {
        let base = row * k
        let d = distances + base, ix = indices + base, fresh = isNew + base
        guard distance < d[0] else { return false }
        if checkDuplicates {
            // Sixteen slots a compare (most pushes find no duplicate and read every slot).
            var j = 0
            let wanted = SIMD16<Int32>(repeating: candidate)
            while j + 16 <= k {
                let slots = UnsafeRawPointer(ix + j).loadUnaligned(as: SIMD16<Int32>.self)
                if any(slots .== wanted) { return false }
                j += 16
            }
            while j < k {
                if ix[j] == candidate { return false }
                j += 1
            }
        }
        // Replace the root, then sift down.
        var i = 0
        while true {
            let left = 2 * i + 1, right = left + 1
            var next = i
            var nextDistance = distance
            if left < k && d[left] > nextDistance { next = left; nextDistance = d[left] }
            if right < k && d[right] > nextDistance { next = right; nextDistance = d[right] }
            if next == i { break }
            d[i] = d[next]; ix[i] = ix[next]; fresh[i] = fresh[next]
            i = next
        }
        d[i] = distance; ix[i] = candidate; fresh[i] = flag
        return true
    }
}

extension NeighborHeaps {
    mutating func withUnsafeHeaps<R>(_ body: (HeapAccess) throws -> R) rethrows -> R {
        let k = self.k
        return try indices.withUnsafeMutableBufferPointer { indices in
            try distances.withUnsafeMutableBufferPointer { distances in
                try isNew.withUnsafeMutableBufferPointer { isNew in
                    try body(HeapAccess(k: k, indices: indices.baseAddress!, distances: distances.baseAddress!,
                                        isNew: isNew.baseAddress!))
                }
            }
        }
    }
}
