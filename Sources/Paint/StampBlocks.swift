extension Canvas {
    /// The blocks of cells `character` paints: its 4-connected groups of cells, each with its
    /// bounding box (rows and columns of the canvas grid, end-exclusive) and whether the group
    /// fills that box. A stamp brush paints its photo region once per block.
    public func blocks(of character: Character) -> [(region: CellRegion, filled: Bool)] {
        var seen = [Bool](repeating: false, count: cells.count)
        var blocks: [(region: CellRegion, filled: Bool)] = []
        for start in cells.indices where cells[start] == character && !seen[start] {
            var stack = [start], members = 0
            var (top, left, bottom, right) = (rows, columns, 0, 0)
            seen[start] = true
            while let cell = stack.popLast() {
                members += 1
                let (row, column) = (cell / columns, cell % columns)
                (top, left, bottom, right) = (min(top, row), min(left, column), max(bottom, row + 1), max(right, column + 1))
                for (r, c) in [(row - 1, column), (row + 1, column), (row, column - 1), (row, column + 1)]
                where (0..<rows).contains(r) && (0..<columns).contains(c) {
                    let next = r * columns + c
                    if cells[next] == character && !seen[next] {
                        seen[next] = true
                        stack.append(next)
                    }
                }
            }
            let region = CellRegion(top: top, left: left, bottom: bottom, right: right)
            blocks.append((region, members == region.rows * region.columns))
        }
        return blocks
    }

    /// Fails unless every block a stamp brush paints is a filled rectangle of its region's shape.
    func checkStampBlocks() throws {
        for brush in brushes {
            guard case .stamp(_, let region) = brush.source else { continue }
            for block in blocks(of: brush.character) {
                let (r, c) = (block.region.top + 1, block.region.left + 1)
                guard block.filled else {
                    throw error(brush: brush, at: "region", "its cells at row \(r), column \(c) of the grid do not form a "
                        + "rectangle; a stamp paints blocks of exactly \(region.rows)x\(region.columns) cells (its region's rows x columns)")
                }
                guard block.region.rows == region.rows, block.region.columns == region.columns else {
                    throw error(brush: brush, at: "region", "its block at row \(r), column \(c) of the grid is "
                        + "\(block.region.rows)x\(block.region.columns) cells, but its region [\(region.top), \(region.left), "
                        + "\(region.bottom), \(region.right)] is \(region.rows)x\(region.columns) (rows x columns): draw the "
                        + "stamp as blocks of that shape, apart from each other")
                }
            }
        }
    }
}
