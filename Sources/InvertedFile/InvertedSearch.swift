import Foundation
import Search

/// Search through an inverted file, in two stages:
/// 1. Candidates. Each set cell of the query takes its `perCell` best positions from the
///    inverted file (`probe` lists scanned). A position found for cell c places the query at the
///    offset that puts c on it; a placement's estimate is the sum over its cells of the
///    approximate cosine where the cell found it, and otherwise that cell's lowest kept score (the
///    most a position it did not keep can have, in the lists it scanned). Each image takes its
///    best placement's estimate.
/// 2. Exact scores. The `candidates` images with the best estimates are scored exactly, every
///    offset and scale, from the int8 codes in the mapped shards (`MappedIndex.bestMatches`),
///    and ranked as a full scan ranks them.
/// The ranking is the full scan's wherever the true best images are among the candidates:
/// `atlas-bench search --synthetic` measures how often (recall at 10).
public struct InvertedSearch: ImageRanking {
    public let index: MappedIndex
    public let file: InvertedFile
    public var settings: Settings

    /// How much of the inverted file a query reads.
    public struct Settings: Sendable, Equatable {
        /// Lists scanned per query cell (nil: `defaultProbe(lists:)`).
        public var probe: Int?
        /// Positions kept per query cell.
        public var perCell: Int
        /// Images scored exactly.
        public var candidates: Int

        public init(probe: Int? = nil, perCell: Int = 8192, candidates: Int = 2048) {
            (self.probe, self.perCell, self.candidates) = (probe, perCell, candidates)
        }
    }

    public init(index: MappedIndex, file: InvertedFile, settings: Settings = Settings()) {
        (self.index, self.file, self.settings) = (index, file, settings)
    }

    /// Lists scanned per cell by default: 1/64 of them, at least 8.
    public static func defaultProbe(lists: Int) -> Int { min(lists, max(8, lists / 64)) }

    public var origin: GridOrigin { index.origin }
    public var imageCount: Int { index.imageCount }

    public func ranking(_ query: GridQuery, top: Int) throws -> [SearchHit] {
        try bestFirst(index.bestMatches(query, images: candidates(for: query)).compactMap { $0 }, top: top)
    }

    /// The images to score exactly, best estimate first.
    public func candidates(for query: GridQuery) throws -> [Int] {
        guard query.channels == index.origin.channels else { return [] }  // bestMatches says why
        let cells = query.setCells, probe = settings.probe ?? Self.defaultProbe(lists: file.manifest.lists)
        // Each cell's lists split among the threads, the parts' best merged per cell.
        let parts = max(1, (ProcessInfo.processInfo.activeProcessorCount * 2 + cells.count - 1) / cells.count)
        let found = parallelMap(cells.count * parts) { job in
            file.nearest(cells[job / parts].vector, probe: probe, count: settings.perCell, part: job % parts, of: parts)
        }
        var estimates: [UInt64: Float] = [:], lowest = Float(0)
        let scales = index.scaleCount
        for (number, cell) in cells.enumerated() {
            let kept = found[number * parts..<(number + 1) * parts].joined()
                .sorted { $0.score > $1.score || ($0.score == $1.score && $0.position < $1.position) }.prefix(settings.perCell)
            guard let floor = kept.last?.score else { continue }
            lowest += floor
            for hit in kept {
                let position = Int(hit.position)
                guard position < index.positionCount else {
                    throw SearchError("\(index.folder)/ivf/lists.bin: an entry names position \(position) of \(index.positionCount) "
                        + "(the inverted file is damaged: rebuild it with atlas index ivf \(index.folder))")
                }
                let grid = index.grid(ofPosition: position), place = position - index.firstPositions[grid]
                let columns = index.grids[grid].columns, rows = index.grids[grid].rows
                let (top, left) = (place / columns - cell.row, place % columns - cell.column)
                guard top >= 0, left >= 0, top + query.rows <= rows, left + query.columns <= columns else { continue }
                estimates[UInt64(grid) << 32 | UInt64(top) << 16 | UInt64(left), default: 0] += hit.score - floor
            }
        }
        var best: [Int: Float] = [:]
        for (placement, gain) in estimates {
            let image = Int(placement >> 32) / scales
            best[image] = max(best[image] ?? -.infinity, lowest + gain)
        }
        return best.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(settings.candidates).map(\.key)
    }
}

extension InvertedSearch {
    /// How `atlas search` and the studio search an index: through its inverted file where it has a
    /// current one (unless `exhaustive`), else every photo, the shards' checksums checked first
    /// (a full scan reads every byte anyway). `notice` hears why an inverted file was passed over.
    public static func searcher(for index: MappedIndex, exhaustive: Bool = false, settings: Settings = Settings(),
                                notice: (String) -> Void) throws -> any ImageRanking {
        if !exhaustive {
            do {
                if let file = try InvertedFile(of: index) { return InvertedSearch(index: index, file: file, settings: settings) }
            } catch let stale as InvertedFileStale {
                notice("\(stale); searching every photo")
            }
        }
        try index.verifyChecksums()
        return index
    }
}
