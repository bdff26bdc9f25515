import Foundation

/// Scores one query against grids, one grid at a time, with its own scratch memory (one per
/// thread). The kernel, per grid: decode the int8 codes [channels, positions] to floats times
/// each position's scale (unit vectors, channel-major, positions padded to 16); multiply the
/// query's k set cells [k, channels] by them, four cells at a time along 16 positions (a small
/// matrix product: no horizontal sums); then each offset sums the k cosines its cells align with.
struct GridMatcher {
    let queryRows: Int
    let queryColumns: Int
    /// Each set cell's place in the query.
    let cellRows: [Int]
    let cellColumns: [Int]
    /// [k, channels]: the set cells' unit vectors.
    let matrix: [Float]
    let channels: Int
    /// [channels, padded positions] unit vectors of the current grid.
    private var decoded: [Float] = []
    /// [k, padded positions] cosines of the current grid.
    private var cosines: [Float] = []
    /// The current grid's scales, aligned.
    private var scaleRow: [Float] = []

    init(query: GridQuery, cells: [(row: Int, column: Int, vector: [Float])], channels: Int) {
        (queryRows, queryColumns, self.channels) = (query.rows, query.columns, channels)
        (cellRows, cellColumns) = (cells.map(\.row), cells.map(\.column))
        matrix = cells.flatMap(\.vector)
    }

    /// The best placement of the query in `grid`, or nil when the query is larger than the grid.
    mutating func best(in grid: GridCodes) -> GridMatch? {
        guard queryRows <= grid.rows, queryColumns <= grid.columns else { return nil }
        let positions = grid.rows * grid.columns, padded = (positions + 15) / 16 * 16, k = cellRows.count
        if decoded.count < channels * padded { decoded = [Float](repeating: 0, count: channels * padded) }
        if cosines.count < k * padded { cosines = [Float](repeating: 0, count: k * padded) }
        decode(grid, positions: positions, padded: padded)
        multiply(cells: k, padded: padded)
        var best = GridMatch(score: -.infinity, row: 0, column: 0)
        cosines.withUnsafeBufferPointer { cosines in
            for top in 0...(grid.rows - queryRows) {
                for left in 0...(grid.columns - queryColumns) {
                    var sum: Float = 0
                    for cell in 0..<k {
                        sum += cosines[cell * padded + (top + cellRows[cell]) * grid.columns + left + cellColumns[cell]]
                    }
                    if sum > best.score * Float(k) { best = GridMatch(score: sum / Float(k), row: top, column: left) }
                }
            }
        }
        return best
    }

    /// decoded[c, p] = code[c, p] * scale[p]; positions past the grid's are zero. A plain loop
    /// over pointers, which LLVM vectorises (the standard library's SIMD integer-to-float
    /// conversions are not). The scales are copied first: in a mapped shard they need not be
    /// aligned.
    private mutating func decode(_ grid: GridCodes, positions: Int, padded: Int) {
        let channels = self.channels
        if scaleRow.count < positions { scaleRow = [Float](repeating: 0, count: positions) }
        scaleRow.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: grid.scales, byteCount: positions * 4) }
        scaleRow.withUnsafeBufferPointer { scales in
            decoded.withUnsafeMutableBufferPointer { decoded in
                let scale = scales.baseAddress!
                for channel in 0..<channels {
                    let code = grid.codes + channel * positions
                    let out = decoded.baseAddress! + channel * padded
                    for position in 0..<positions { out[position] = Float(code[position]) * scale[position] }
                    for position in positions..<padded { out[position] = 0 }
                }
            }
        }
    }

    /// cosines[cell, p] = matrix[cell] . decoded[:, p], four cells at a time where it can.
    private mutating func multiply(cells k: Int, padded: Int) {
        let channels = self.channels
        matrix.withUnsafeBufferPointer { matrix in
            decoded.withUnsafeBufferPointer { decoded in
                cosines.withUnsafeMutableBufferPointer { cosines in
                    let x = UnsafeRawPointer(decoded.baseAddress!), out = UnsafeMutableRawPointer(cosines.baseAddress!)
                    var cell = 0
                    while cell + 4 <= k {
                        let (q0, q1, q2, q3) = (cell * channels, (cell + 1) * channels, (cell + 2) * channels, (cell + 3) * channels)
                        for block in stride(from: 0, to: padded, by: 16) {
                            var (a0, a1, a2, a3) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
                            for channel in 0..<channels {
                                let v = x.loadUnaligned(fromByteOffset: (channel * padded + block) * 4, as: SIMD16<Float>.self)
                                a0.addProduct(SIMD16(repeating: matrix[q0 + channel]), v)
                                a1.addProduct(SIMD16(repeating: matrix[q1 + channel]), v)
                                a2.addProduct(SIMD16(repeating: matrix[q2 + channel]), v)
                                a3.addProduct(SIMD16(repeating: matrix[q3 + channel]), v)
                            }
                            out.storeBytes(of: a0, toByteOffset: (cell * padded + block) * 4, as: SIMD16<Float>.self)
                            out.storeBytes(of: a1, toByteOffset: ((cell + 1) * padded + block) * 4, as: SIMD16<Float>.self)
                            out.storeBytes(of: a2, toByteOffset: ((cell + 2) * padded + block) * 4, as: SIMD16<Float>.self)
                            out.storeBytes(of: a3, toByteOffset: ((cell + 3) * padded + block) * 4, as: SIMD16<Float>.self)
                        }
                        cell += 4
                    }
                    while cell < k {
                        let q = cell * channels
                        for block in stride(from: 0, to: padded, by: 16) {
                            var a = SIMD16<Float>()
                            for channel in 0..<channels {
                                a.addProduct(SIMD16(repeating: matrix[q + channel]),
                                             x.loadUnaligned(fromByteOffset: (channel * padded + block) * 4, as: SIMD16<Float>.self))
                            }
                            out.storeBytes(of: a, toByteOffset: (cell * padded + block) * 4, as: SIMD16<Float>.self)
                        }
                        cell += 1
                    }
                }
            }
        }
    }
}

/// Where one grid's encoded block lies (`UnitVectorCodes`: codes [channels, positions], then
/// float32 scales [positions], not necessarily aligned), for the matcher. The pointers are valid
/// only while the storage they point into is.
struct GridCodes {
    let rows: Int
    let columns: Int
    let codes: UnsafePointer<Int8>
    let scales: UnsafeRawPointer
}

/// The best placement of `query` in each of `count` grids, the grids split among the cores;
/// `grid(i)` gives the i-th grid's codes. Nil where the query is larger than the grid.
func bestPlacements(of query: GridQuery, channels: Int, count: Int, grid: (Int) -> GridCodes) -> [GridMatch?] {
    let cells = query.setCells
    let parts = max(1, min(count, ProcessInfo.processInfo.activeProcessorCount * 8))
    return Array(parallelMap(parts) { part -> [GridMatch?] in
        var matcher = GridMatcher(query: query, cells: cells, channels: channels)
        return ((count * part / parts)..<(count * (part + 1) / parts)).map { matcher.best(in: grid($0)) }
    }.joined())
}
