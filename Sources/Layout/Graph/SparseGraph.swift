/// A weighted graph in compressed sparse row form: the neighbours of row i are
/// `columns[offsets[i]..<offsets[i + 1]]`, sorted, with `weights` alongside.
/// Memory: 8 bytes per stored edge plus N + 1 offsets.
struct SparseGraph: Sendable {
    let count: Int
    var offsets: [Int]
    var columns: [Int32]
    var weights: [Float]

    var edgeCount: Int { columns.count }

    /// The k-nearest-neighbour graph `neighbors` in both directions: slot s of row i (its
    /// neighbour j = indices[s]) gives the edges i -> j and j -> i, both weighted `weights[s]`;
    /// `combine` merges a pair found from both ends. The 2 N k directed edges are read where
    /// they lie, never listed (at 1,000,000 points and k = 19 a list took 0.46 GB).
    init(symmetrising neighbors: NeighborGraph, weights: [Float], combine: (Float, Float) -> Float) {
        let count = neighbors.count, k = neighbors.k, half = neighbors.indices.count
        self.count = count
        // Edge e < half is slot e, forwards; edge half + s is slot s, backwards.
        func edge(_ e: Int) -> (row: Int, column: Int32, weight: Float) {
            e < half ? (e / k, neighbors.indices[e], weights[e])
                : (Int(neighbors.indices[e - half]), Int32((e - half) / k), weights[e - half])
        }
        let edges = 2 * half
        var offsets = [Int](repeating: 0, count: count + 1)
        for e in 0..<edges { offsets[edge(e).row + 1] += 1 }
        for i in 0..<count { offsets[i + 1] += offsets[i] }
        var fill = offsets
        var sortedColumns = [Int32](repeating: 0, count: edges)
        var sortedWeights = [Float](repeating: 0, count: edges)
        for e in 0..<edges {
            let (row, column, weight) = edge(e)
            sortedColumns[fill[row]] = column
            sortedWeights[fill[row]] = weight
            fill[row] += 1
        }
        // Sort each row by column and merge duplicates, rows in parallel and in place; then the
        // rows' kept edges, packed.
        var kept = [Int](repeating: 0, count: count + 1)
        let parts = 4 * workerCount
        sortedColumns.withUnsafeMutableBufferPointer { columns in
            sortedWeights.withUnsafeMutableBufferPointer { weights in
                kept.withUnsafeMutableBufferPointer { kept in
                    parallelFor(parts) { part in
                        var row: [(column: Int32, weight: Float)] = []
                        for i in slice(part, of: parts, count: count) {
                            row.removeAll(keepingCapacity: true)
                            for e in offsets[i]..<offsets[i + 1] { row.append((columns[e], weights[e])) }
                            row.sort { $0.column < $1.column }
                            var next = offsets[i]
                            for (column, weight) in row {
                                if next > offsets[i] && columns[next - 1] == column {
                                    weights[next - 1] = combine(weights[next - 1], weight)
                                } else {
                                    columns[next] = column
                                    weights[next] = weight
                                    next += 1
                                }
                            }
                            kept[i + 1] = next - offsets[i]
                        }
                    }
                }
            }
        }
        for i in 0..<count { kept[i + 1] += kept[i] }
        var outColumns = [Int32](repeating: 0, count: kept[count])
        var outWeights = [Float](repeating: 0, count: kept[count])
        outColumns.withUnsafeMutableBufferPointer { outColumns in
            outWeights.withUnsafeMutableBufferPointer { outWeights in
                parallelFor(parts) { part in
                    for i in slice(part, of: parts, count: count) {
                        for j in 0..<(kept[i + 1] - kept[i]) {
                            outColumns[kept[i] + j] = sortedColumns[offsets[i] + j]
                            outWeights[kept[i] + j] = sortedWeights[offsets[i] + j]
                        }
                    }
                }
            }
        }
        self.offsets = kept
        self.columns = outColumns
        self.weights = outWeights
    }

    /// Connected components: a component id per point, and how many there are.
    func components() -> (labels: [Int], count: Int) {
        var labels = [Int](repeating: -1, count: count)
        var next = 0
        var stack: [Int] = []
        for start in 0..<count where labels[start] < 0 {
            labels[start] = next
            stack.append(start)
            while let i = stack.popLast() {
                for e in offsets[i]..<offsets[i + 1] where labels[Int(columns[e])] < 0 {
                    labels[Int(columns[e])] = next
                    stack.append(Int(columns[e]))
                }
            }
            next += 1
        }
        return (labels, next)
    }
}
