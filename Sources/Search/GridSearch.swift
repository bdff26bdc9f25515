import Foundation

/// Where a query matched an image best.
public struct SearchHit: Sendable, Equatable {
    /// The image's number in the index, and its path.
    public let image: Int
    public let path: String
    /// The mean cosine over the query's set cells at the best placement.
    public let score: Float
    /// The grid position of the query's top-left cell, at input side `side`.
    public let row: Int
    public let column: Int
    public let side: Int

    public init(image: Int, path: String, score: Float, row: Int, column: Int, side: Int) {
        (self.image, self.path, self.score, self.row, self.column, self.side) = (image, path, score, row, column, side)
    }
}

/// An index that ranks its own images for a query: held in memory (`GridIndex`), mapped
/// (`MappedIndex`), or searched through its inverted file. The parts of a sharded index are
/// ranked each alone and the rankings merged (`search(_:in:top:)`).
public protocol ImageRanking: Sendable {
    var origin: GridOrigin { get }
    var imageCount: Int { get }
    /// The `top` images that match `query` best: score descending, then image order.
    func ranking(_ query: GridQuery, top: Int) throws -> [SearchHit]
}

/// The `top` best matches over several indexes of one network and layer (the parts of a sharded
/// index, searched without merging them; scatter-gather): each ranked, the rankings merged, image
/// numbers counted on through the indexes in order, so that the answer is the one the index of
/// them all, merged in that order, gives.
public func search(_ query: GridQuery, in indexes: [any ImageRanking], top: Int) throws -> [SearchHit] {
    guard let first = indexes.first else { return [] }
    var hits: [SearchHit] = [], offset = 0
    for index in indexes {
        guard index.origin == first.origin else {
            throw SearchError("the indexes are of other networks or layers: \(first.origin.model) \(first.origin.layer) and "
                + "\(index.origin.model) \(index.origin.layer)")
        }
        hits += try index.ranking(query, top: top).map {
            SearchHit(image: $0.image + offset, path: $0.path, score: $0.score, row: $0.row, column: $0.column, side: $0.side)
        }
        offset += index.imageCount
    }
    return bestFirst(hits, top: top)
}

/// The `top` best of `hits`: score descending, then image order.
public func bestFirst(_ hits: [SearchHit], top: Int) -> [SearchHit] {
    Array(hits.sorted { $0.score > $1.score || ($0.score == $1.score && $0.image < $1.image) }.prefix(top))
}

/// An index scored in full: every image's best placement, the best of them first.
public protocol FullScan: ImageRanking {
    /// Each image's best placement of `query`, or nil where no grid of the image is as large.
    func bestMatches(_ query: GridQuery) throws -> [SearchHit?]
}

extension FullScan {
    public func ranking(_ query: GridQuery, top: Int) throws -> [SearchHit] {
        bestFirst(try bestMatches(query).compactMap { $0 }, top: top)
    }
}

extension MappedIndex: FullScan {
    public func bestMatches(_ query: GridQuery) throws -> [SearchHit?] { try bestMatches(query, images: nil) }
}

extension GridIndex: FullScan {

    /// Each image's best placement of `query` over all offsets and scales, or nil where no grid
    /// of the image is as large as the query.
    ///
    /// Per grid, the query's set cells (k unit vectors) are multiplied with the grid's decoded
    /// codes (`GridMatcher`), then each offset sums its k aligned cosines. Grids are split among
    /// the cores.
    public func bestMatches(_ query: GridQuery) throws -> [SearchHit?] {
        try origin.check(query: query)
        let matches = codes.withUnsafeBufferPointer { codes in
            scales.withUnsafeBytes { scales in
                bestPlacements(of: query, channels: origin.channels, count: grids.count) { number in
                    let grid = grids[number]
                    return GridCodes(rows: grid.rows, columns: grid.columns, codes: codes.baseAddress! + grid.firstPosition * origin.channels,
                                     scales: scales.baseAddress! + grid.firstPosition * 4)
                }
            }
        }
        var best = [SearchHit?](repeating: nil, count: paths.count)
        for (grid, match) in zip(grids, matches) {
            guard let match else { continue }
            if let current = best[grid.image], current.score >= match.score { continue }
            best[grid.image] = SearchHit(image: grid.image, path: paths[grid.image], score: match.score, row: match.row,
                                         column: match.column, side: grid.side)
        }
        return best
    }

    /// The baseline ranking signal: for each image, the largest cosine between `vector` and the
    /// mean activation of one of its grids (the global average pool at each scale).
    public func globalAverageScores(_ vector: [Float]) -> [Float] {
        let channels = origin.channels
        var best = [Float](repeating: -.infinity, count: paths.count)
        for (index, grid) in grids.enumerated() {
            let mean = means[index * channels..<(index + 1) * channels]
            best[grid.image] = max(best[grid.image], cosine(Array(mean), vector))
        }
        return best
    }
}

/// The cosine of two vectors (0 when either is zero).
public func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var (dot, aa, bb): (Float, Float, Float) = (0, 0, 0)
    for (x, y) in zip(a, b) { (dot, aa, bb) = (dot + x * y, aa + x * x, bb + y * y) }
    return aa > 0 && bb > 0 ? dot / (aa * bb).squareRoot() : 0
}

/// The best placement in one grid.
struct GridMatch {
    let score: Float
    let row: Int
    let column: Int
}
