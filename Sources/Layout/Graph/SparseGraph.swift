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
        // Sort each row by column and merge duplicates.
        var merged = [Int](repeating: 0, count: count + 1)
        var outColumns: [Int32] = [], outWeights: [Float] = []
        outColumns.reserveCapacity(edges)
        outWeights.reserveCapacity(edges)
        for i in 0..<count {
            let row = (offsets[i]..<offsets[i + 1]).map { (sortedColumns[$0], sortedWeights[$0]) }
                .sorted { $0.0 < $1.0 }
            for (column, weight) in row {
                if let last = outColumns.last, outColumns.count > merged[i], last == column {
                    outWeights[outWeights.count - 1] = combine(outWeights[outWeights.count - 1], weight)
                } else {
                    outColumns.append(column)
                    outWeights.append(weight)
                }
            }
            merged[i + 1] = outColumns.count
        }
        self.offsets = merged
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
