/// Random projection trees (as pynndescent builds them to seed NN-descent): each tree splits
/// its points recursively by a random hyperplane (the perpendicular bisector of two random
/// member points; through the origin for cosine) until a node holds at most `leafSize` points.
/// Points sharing a leaf are likely neighbours. Memory: N indices per tree, built in parallel.
enum RandomProjectionForest {
    /// The leaves of the trees numbered `trees` (tree t is the same whichever others are built
    /// with it), each leaf a list of point indices.
    static func leaves(_ vectors: PreparedVectors, trees: Range<Int>, leafSize: Int, seed: UInt64) -> [[[Int32]]] {
        var forest = [[[Int32]]](repeating: [], count: trees.count)
        vectors.withRows { rows in
            forest.withUnsafeMutableBufferPointer { forest in
                parallelFor(trees.count) { index in
                    let tree = trees.lowerBound + index
                    var random = SeededGenerator(seed: seed, stream: 0x7EE5 &+ UInt64(tree))
                    var leaves: [[Int32]] = []
                    split(Array(0..<Int32(vectors.count)), rows, metric: vectors.metric, leafSize: leafSize,
                          random: &random, into: &leaves)
                    forest[index] = leaves
                }
            }
        }
        return forest
    }

    private static func split(_ members: [Int32], _ rows: RowAccess, metric: Metric, leafSize: Int,
                              random: inout SeededGenerator, into leaves: inout [[Int32]]) {
        var stack = [members]
        var normal = [Float](repeating: 0, count: rows.stride)
        while let node = stack.popLast() {
            if node.count <= leafSize { leaves.append(node); continue }
            let a = Int(node[random.index(below: node.count)])
            var b = Int(node[random.index(below: node.count - 1)])
            if b == a { b = Int(node[node.count - 1]) }
            var offset: Float = 0
            for c in Swift.stride(from: 0, to: rows.stride, by: 16) {
                let pa = rows.chunk(a, c), pb = rows.chunk(b, c)
                for l in 0..<16 {
                    normal[c + l] = pa[l] - pb[l]
                    offset += normal[c + l] * (pa[l] + pb[l]) * 0.5
                }
            }
            if metric == .cosine { offset = 0 }
            var left: [Int32] = [], right: [Int32] = []
            left.reserveCapacity(node.count); right.reserveCapacity(node.count)
            normal.withUnsafeBufferPointer { normal in
                for i in node {
                    let margin = rows.dot(normal.baseAddress!, Int(i)) - offset
                    if margin > 0 || (margin == 0 && random.next() & 1 == 0) { left.append(i) } else { right.append(i) }
                }
            }
            if left.isEmpty || right.isEmpty {  // duplicates or a degenerate plane: halve at random
                var shuffled = node
                shuffled.shuffle(using: &random)
                left = Array(shuffled[..<(node.count / 2)])
                right = Array(shuffled[(node.count / 2)...])
            }
            stack.append(right)
            stack.append(left)
        }
    }
}
