/// Exact k nearest neighbours by brute force: all N^2 distances, computed as tiles of dot
/// products (|a - b|^2 = |a|^2 + |b|^2 - 2 a.b) and streamed into per-row heaps, so memory
/// stays N x k. Parallel over blocks of query rows. Cost: N^2 D multiply-adds.
enum ExactNeighbors {
    static func search(_ vectors: PreparedVectors, k: Int, progress: ProgressHandler?) -> NeighborHeaps {
        let n = vectors.count
        var heaps = NeighborHeaps(count: n, k: k)
        let queryBlock = 64, referenceTile = 256
        let blocks = (n + queryBlock - 1) / queryBlock
        let batch = 8 * workerCount
        vectors.withRows { rows in
            heaps.withUnsafeHeaps { heaps in
                for first in stride(from: 0, to: blocks, by: batch) {
                    parallelFor(min(batch, blocks - first)) { offset in
                        let block = first + offset
                        let queries = (block * queryBlock)..<min(n, (block + 1) * queryBlock)
                        for tileStart in stride(from: 0, to: n, by: referenceTile) {
                            let tile = tileStart..<min(n, tileStart + referenceTile)
                            for q in stride(from: queries.lowerBound, to: queries.upperBound, by: 4) {
                                for r in stride(from: tile.lowerBound, to: tile.upperBound, by: 4) {
                                    compareQuads(q, upTo: queries.upperBound, r, upTo: tile.upperBound, rows, heaps)
                                }
                            }
                        }
                    }
                    progress?(LayoutProgress(stage: .neighbors, completed: min(n, (first + batch) * queryBlock), total: n,
                                             detail: "exact search"))
                }
            }
        }
        return heaps
    }

    /// Distances between query rows q..<q+4 and reference rows r..<r+4 (clipped at the ends),
    /// offered to the query rows' heaps.
    @inline(__always)
    private static func compareQuads(_ q: Int, upTo qEnd: Int, _ r: Int, upTo rEnd: Int, _ rows: RowAccess, _ heaps: HeapAccess) {
        let ql = qEnd - 1, rl = rEnd - 1
        let dots = rows.dots(q, min(q + 1, ql), min(q + 2, ql), min(q + 3, ql), r, min(r + 1, rl), min(r + 2, rl), min(r + 3, rl))
        for a in 0..<min(4, qEnd - q) {
            let query = q + a
            let queryNorm = rows.norms[query]
            for b in 0..<min(4, rEnd - r) {
                let reference = r + b
                if reference == query { continue }
                let squared = max(0, queryNorm + rows.norms[reference] - 2 * dots[4 * a + b])
                heaps.push(query, Int32(reference), squared, isNew: false, checkDuplicates: false)
            }
        }
    }
}
