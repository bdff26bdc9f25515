/// A candidate pair (p, q) at squared distance `distance`, to be offered to both heaps.
struct NeighborUpdate {
    var p: Int32
    var q: Int32
    var distance: Float
}

/// Applies candidate pairs found in parallel to the heaps. Each worker owns a contiguous range
/// of rows and scans all updates in their recorded order, so no two threads touch one heap and
/// the result does not depend on thread scheduling. Returns how many pushes changed a heap.
func apply(_ parts: [[NeighborUpdate]], to heaps: HeapAccess, count: Int) -> Int {
    var changed = [Int](repeating: 0, count: workerCount)
    changed.withUnsafeMutableBufferPointer { changed in
        parts.withUnsafeBufferPointer { parts in
            parallelFor(workerCount) { worker in
                let owned = slice(worker, of: workerCount, count: count)
                let low = Int32(owned.lowerBound), high = Int32(owned.upperBound)
                var local = 0
                for part in parts {
                    for update in part {
                        if update.p >= low && update.p < high,
                           heaps.push(Int(update.p), update.q, update.distance, isNew: true) { local += 1 }
                        if update.q >= low && update.q < high,
                           heaps.push(Int(update.q), update.p, update.distance, isNew: true) { local += 1 }
                    }
                }
                changed[worker] = local
            }
        }
    }
    return changed.reduce(0, +)
}
