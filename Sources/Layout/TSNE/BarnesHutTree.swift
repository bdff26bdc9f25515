/// A Barnes-Hut space-partitioning tree over 1-D or 2-D points (a binary tree or a quadtree):
/// each cell holds its points' count and centre of mass, so that a far-away cell's repulsion
/// on a point is computed as one mass. Built afresh each iteration, O(N log N); memory O(N).
struct BarnesHutTree {
    struct Cell {
        var centre: SIMD2<Float>
        var halfWidth: Float
        var centreOfMass = SIMD2<Float>()
        var count: Int32 = 0
        /// Children are `cells[firstChild..<firstChild + childCount]`; none for a leaf.
        var firstChild: Int32 = 0
        var childCount: Int32 = 0
        /// A leaf's points are `order[pointStart..<pointStart + count]`.
        var pointStart: Int32 = 0
    }

    static let leafCapacity = 4
    private(set) var cells: [Cell] = []
    private(set) var order: [Int32] = []

    init(_ positions: [SIMD2<Float>], dimensions: Int) {
        let n = positions.count
        guard n > 0 else { return }
        var low = positions[0], high = positions[0]
        for p in positions { low = pointwiseMin(low, p); high = pointwiseMax(high, p) }
        let extent = high - low
        let half = max(dimensions == 1 ? extent.x : max(extent.x, extent.y), 1e-6) / 2 * 1.0001
        order = (0..<Int32(n)).map { $0 }
        var scratch = order
        cells.reserveCapacity(2 * n)
        cells.append(Cell(centre: (low + high) / 2, halfWidth: half))
        var pending: [(cell: Int, range: Range<Int>, depth: Int)] = [(0, 0..<n, 0)]
        let quadrants = dimensions == 1 ? 2 : 4
        while let next = pending.popLast() {
            let (index, range, depth) = (next.cell, next.range, next.depth)
            var mass = SIMD2<Float>()
            for slot in range { mass += positions[Int(order[slot])] }
            cells[index].centreOfMass = mass / Float(range.count)
            cells[index].count = Int32(range.count)
            cells[index].pointStart = Int32(range.lowerBound)
            if range.count <= Self.leafCapacity || depth >= 48 { continue }
            // Counting sort of the cell's points into its quadrants.
            let centre = cells[index].centre
            func quadrant(_ p: SIMD2<Float>) -> Int {
                (p.x >= centre.x ? 1 : 0) + (dimensions == 2 && p.y >= centre.y ? 2 : 0)
            }
            var counts = [0, 0, 0, 0]
            for slot in range { counts[quadrant(positions[Int(order[slot])])] += 1 }
            var starts = [range.lowerBound, 0, 0, 0]
            for q in 1..<4 { starts[q] = starts[q - 1] + counts[q - 1] }
            var fill = starts
            for slot in range {
                let q = quadrant(positions[Int(order[slot])])
                scratch[fill[q]] = order[slot]
                fill[q] += 1
            }
            for slot in range { order[slot] = scratch[slot] }
            let childHalf = cells[index].halfWidth / 2
            cells[index].firstChild = Int32(cells.count)
            for q in 0..<quadrants where counts[q] > 0 {
                let offset = SIMD2<Float>(q & 1 == 1 ? childHalf : -childHalf,
                                          dimensions == 2 ? (q & 2 == 2 ? childHalf : -childHalf) : 0)
                pending.append((cells.count, starts[q]..<(starts[q] + counts[q]), depth + 1))
                cells.append(Cell(centre: centre + offset, halfWidth: childHalf))
            }
            cells[index].childCount = Int32(cells.count) - cells[index].firstChild
        }
    }

    /// The repulsion on point `i` at `y`: the sum over other points of q^2 (y - y_j) and of
    /// q = 1 / (1 + |y - y_j|^2), with cells narrower than `theta` times their distance
    /// counted as one mass. `stack` is scratch space, reused between calls.
    func repulsion(on i: Int, at y: SIMD2<Float>, positions: UnsafePointer<SIMD2<Float>>,
                   theta: Float, stack: inout [Int32]) -> (force: SIMD2<Float>, q: Double) {
        var force = SIMD2<Float>(), sumQ = 0.0
        stack.removeAll(keepingCapacity: true)
        stack.append(0)
        let thetaSquared = theta * theta
        while let index = stack.popLast() {
            let cell = cells[Int(index)]
            let difference = y - cell.centreOfMass
            let squared = (difference * difference).sum()
            let width = 2 * cell.halfWidth
            if cell.childCount == 0 {
                for slot in Int(cell.pointStart)..<Int(cell.pointStart + cell.count) where Int(order[slot]) != i {
                    let d = y - positions[Int(order[slot])]
                    let q = 1 / (1 + (d * d).sum())
                    sumQ += Double(q)
                    force += q * q * d
                }
            } else if width * width < thetaSquared * squared {
                let q = 1 / (1 + squared)
                let mass = Float(cell.count)
                sumQ += Double(mass * q)
                force += mass * q * q * difference
            } else {
                for child in cell.firstChild..<(cell.firstChild + cell.childCount) { stack.append(child) }
            }
        }
        return (force, sumQ)
    }
}
