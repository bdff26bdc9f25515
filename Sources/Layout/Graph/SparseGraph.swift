/// A weighted graph in compressed sparse row form: the neighbours of row i are
/// `columns[offsets[i]..<offsets[i + 1]]`, sorted, with `weights` alongside.
/// Memory: 8 bytes per stored edge plus N + 1 offsets.
struct SparseGraph: Sendable {
    let count: Int
    var offsets: [Int]
    var columns: [Int32]
    var weights: [Float]

    var edgeCount: Int { columns.count }

    /// Builds a graph from directed edges; `combine` merges a pair listed twice.
    init(count: Int, rows: [Int32], columns: [Int32], weights: [Float], combine: (Float, Float) -> Float) {
        self.count = count
        var offsets = [Int](repeating: 0, count: count + 1)
        for r in rows { offsets[Int(r) + 1] += 1 }
        for i in 0..<count { offsets[i + 1] += offsets[i] }
        var fill = offsets
        var sortedColumns = [Int32](repeating: 0, count: rows.count)
        var sortedWeights = [Float](repeating: 0, count: rows.count)
        for e in rows.indices {
            let slot = fill[Int(rows[e])]
            sortedColumns[slot] = columns[e]
            sortedWeights[slot] = weights[e]
            fill[Int(rows[e])] += 1
        }
        // Sort each row by column and merge duplicates.
        var merged = [Int](repeating: 0, count: count + 1)
        var outColumns: [Int32] = [], outWeights: [Float] = []
        outColumns.reserveCapacity(rows.count)
        outWeights.reserveCapacity(rows.count)
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
