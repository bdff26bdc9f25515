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

extension GridIndex {
    /// The `top` images that match `query` best (score descending, then image order).
    public func search(_ query: GridQuery, top: Int) throws -> [SearchHit] {
        try Self.search(query, in: [self], top: top)
    }

    /// The `top` best matches over several indexes of one network and layer (the parts of a
    /// sharded index, searched without merging them): each searched, the rankings merged, image
    /// numbers counted on through the indexes in order, so that the answer is the one index of
    /// them all, merged in that order, gives.
    public static func search(_ query: GridQuery, in indexes: [GridIndex], top: Int) throws -> [SearchHit] {
        guard let first = indexes.first else { return [] }
        var hits: [SearchHit] = [], offset = 0
        for index in indexes {
            guard index.origin == first.origin else {
                throw SearchError("the indexes are of other networks or layers: \(first.origin.model) \(first.origin.layer) and "
                    + "\(index.origin.model) \(index.origin.layer)")
            }
            hits += try index.bestMatches(query).compactMap { hit in
                hit.map { SearchHit(image: $0.image + offset, path: $0.path, score: $0.score, row: $0.row, column: $0.column, side: $0.side) }
            }
            offset += index.imageCount
        }
        return Array(hits.sorted { $0.score > $1.score || ($0.score == $1.score && $0.image < $1.image) }.prefix(top))
    }

    /// Each image's best placement of `query` over all offsets and scales, or nil where no grid
    /// of the image is as large as the query.
    ///
    /// Per grid, the query's set cells (k unit vectors) are multiplied with the grid's decoded
    /// codes (`GridMatcher`), then each offset sums its k aligned cosines. Grids are split among
    /// the cores.
    public func bestMatches(_ query: GridQuery) throws -> [SearchHit?] {
        guard query.channels == origin.channels else {
            throw SearchError("the query has \(query.channels) channels, but the index's layer \(origin.layer) of \(origin.model) "
                + "has \(origin.channels)")
        }
        let cells = query.setCells
        let parts = max(1, min(grids.count, ProcessInfo.processInfo.activeProcessorCount * 8))
        let partResults = parallelMap(parts) { part -> [GridMatch?] in
            let range = (grids.count * part / parts)..<(grids.count * (part + 1) / parts)
            var matcher = GridMatcher(query: query, cells: cells, channels: origin.channels)
            return range.map { matcher.best(in: grids[$0], codes: codes, scales: scales) }
        }
        var best = [SearchHit?](repeating: nil, count: paths.count)
        for (grid, match) in zip(grids, partResults.joined()) {
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
