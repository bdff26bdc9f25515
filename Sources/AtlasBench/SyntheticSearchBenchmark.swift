import Foundation
import InvertedFile
import Optvis
import Search

/// `atlas-bench search --synthetic N`: search at scale. An index of N synthetic photos is made
/// from the demo photos' grids: photo i is a random 14 x 14 window (the grid of a 224 input) of
/// one photo's 20 x 20 grid (seen at 320), flipped or not, blended with the same window of
/// another photo at a random weight below one half (so that no two photos are copies). Each
/// photo is drawn from its own random stream: the first 100,000 of a million are the index of
/// 100,000. Reported: the inverted file's build rate, bytes per photo, query latency (p50, p95)
/// of 1x1, 3x3 and 5x5-canvas queries through the inverted file, and recall at 10 against the
/// full scan on the index of `recallImages` photos (and, with `fullRecall`, on the whole index).
struct SyntheticSearchBenchmark {
    let images: Int
    let recallImages: Int
    let queries: Int
    let fullRecall: Int
    let work: String
    let seed: UInt64
    let settings: InvertedSearch.Settings
    /// Each demo photo's grid at the larger scale (20 x 20 at 320).
    let bases: [ActivationGrid]
    let origin: GridOrigin

    static let side = 224, window = 14

    func run() throws {
        print("synthetic search: \(images) photos of \(Self.window) x \(Self.window) positions (one scale, \(Self.side)), "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores; load average \(SearchBenchmark.loadAverage())")
        let (index, file) = try prepare(images)
        let subset = recallImages < images ? try prepare(recallImages) : (index, file)
        let bytes = try folderBytes(index.folder)
        print(String(format: "  index: %.2f KiB per photo per scale (shards %.2f, inverted file %.2f); %d lists", Double(bytes.total) / 1024
                     / Double(images), Double(bytes.shards) / 1024 / Double(images), Double(bytes.inverted) / 1024 / Double(images),
                     file.manifest.lists))
        let searcher = InvertedSearch(index: index, file: file, settings: settings)
        var generator = SeededGenerator(seed: seed &+ 7)
        let kinds = try queryKinds(&generator)
        let probe = settings.probe ?? InvertedSearch.defaultProbe(lists: file.manifest.lists)
        print("  latency through the inverted file, top 10 (\(queries) queries each, percentiles of all but the first; \(probe) lists probed, "
            + "\(settings.perCell) positions per cell, \(settings.candidates) candidates):")
        for (name, list) in kinds {
            var times: [Double] = []
            let cpuStart = SearchBenchmark.cpuSeconds()
            for query in list {
                let start = ContinuousClock.now
                _ = try searcher.ranking(query, top: 10)
                times.append(SearchBenchmark.seconds(ContinuousClock.now - start))
            }
            // The first query of a kind reads lists and shards from disk; the percentiles are of the others.
            let first = times.removeFirst()
            times.sort()
            let cpu = (SearchBenchmark.cpuSeconds() - cpuStart) / Double(list.count)
            print("    " + name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: " p50 %7.1f ms  p95 %7.1f ms  (%.1f ms CPU a query; the first %.1f ms)", times[times.count / 2] * 1000,
                         times[min(times.count - 1, times.count * 95 / 100)] * 1000, cpu * 1000, first * 1000))
        }
        try reportRecall(subset, kinds: kinds, count: queries, label: "\(recallImages) photos")
        if fullRecall > 0 && recallImages < images {
            try reportRecall((index, file), kinds: kinds, count: fullRecall, label: "all \(images) photos")
        }
    }

    /// Recall at 10 of the inverted file against the full scan, and each one's time.
    private func reportRecall(_ opened: (index: MappedIndex, file: InvertedFile), kinds: [(String, [GridQuery])], count: Int,
                              label: String) throws {
        let (index, file) = opened
        let searcher = InvertedSearch(index: index, file: file, settings: settings)
        print("  recall at 10 against the full scan, \(label) (\(count) queries each; ties at the 10th score count as found):")
        for (name, list) in kinds {
            var (recall, fast, full) = (0.0, [Double](), [Double]())
            for query in list.prefix(count) {
                var start = ContinuousClock.now
                let exact = try index.ranking(query, top: 10)
                full.append(SearchBenchmark.seconds(ContinuousClock.now - start))
                start = ContinuousClock.now
                let found = try searcher.ranking(query, top: 10)
                fast.append(SearchBenchmark.seconds(ContinuousClock.now - start))
                guard let tenth = exact.last?.score else { continue }
                recall += Double(min(exact.count, found.filter { $0.score >= tenth }.count)) / Double(exact.count)
            }
            print("    " + name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: " recall %.3f   median %7.1f ms inverted file, %8.1f ms full scan", recall / Double(min(count, list.count)),
                         fast.sorted()[fast.count / 2] * 1000, full.sorted()[full.count / 2] * 1000))
        }
    }

    /// The index of the first `count` synthetic photos with its inverted file, built unless
    /// `work` already holds them, opened.
    private func prepare(_ count: Int) throws -> (index: MappedIndex, file: InvertedFile) {
        let folder = "\(work)/synthetic-\(count)-seed\(seed)"
        var index = try? MappedIndex(folder)
        if index?.imageCount != count {
            try? FileManager.default.removeItem(atPath: folder)
            let start = ContinuousClock.now
            var writer = try IndexWriter(folder: folder, origin: origin, scales: [Self.side])
            let shard = 4096
            for first in stride(from: 0, to: count, by: shard) {
                let grids = try parallelMap(min(shard, count - first)) { photo(first + $0) }.map { try $0.get() }
                try writer.append(grids.enumerated().map { ("synthetic-\(first + $0.offset)", [$0.element]) })
                FileHandle.standardError.write(Data("\r  writing \(folder): \(first + grids.count)/\(count) photos".utf8))
            }
            try writer.finish()
            FileHandle.standardError.write(Data("\n".utf8))
            print(String(format: "  %@: %d synthetic photos written in %.1f s", folder, count, SearchBenchmark.seconds(ContinuousClock.now - start)))
            index = try MappedIndex(folder)
        }
        guard let index else { throw SearchError("\(folder): no index") }
        if let file = try? InvertedFile(of: index) { return (index, file) }
        let start = ContinuousClock.now, cpuStart = SearchBenchmark.cpuSeconds()
        let built = try InvertedFileBuilder().build(folder) { stage in
            FileHandle.standardError.write(Data(String(format: "    %@ (%.1f s)\n", stage.name, stage.seconds).utf8))
        }
        let (seconds, cpu) = (SearchBenchmark.seconds(ContinuousClock.now - start), SearchBenchmark.cpuSeconds() - cpuStart)
        print(String(format: "  inverted file of %d photos (%d positions, %d lists): %.1f s = %.0f photos/s (%.1f CPU s)", count,
                     built.positions, built.lists, seconds, Double(count) / seconds, cpu))
        guard let file = try InvertedFile(of: index) else { throw SearchError("\(folder): no inverted file after building one") }
        return (index, file)
    }

    /// Synthetic photo `number`.
    private func photo(_ number: Int) -> Result<ActivationGrid, Error> {
        Result {
            var generator = SeededGenerator(seed: seed, stream: number)
            let (a, b) = (bases[Int.random(in: 0..<bases.count, using: &generator)], bases[Int.random(in: 0..<bases.count, using: &generator)])
            let weight = Float.random(in: 0..<0.5, using: &generator), flip = Bool.random(using: &generator)
            let top = Int.random(in: 0...(a.rows - Self.window), using: &generator)
            let left = Int.random(in: 0...(a.columns - Self.window), using: &generator)
            var values: [Float] = []
            values.reserveCapacity(Self.window * Self.window * a.channels)
            for row in top..<top + Self.window {
                for step in 0..<Self.window {
                    let column = flip ? left + Self.window - 1 - step : left + step
                    for (x, y) in zip(a.vector(row: row, column: column), b.vector(row: row, column: column)) {
                        values.append((1 - weight) * x + weight * y)
                    }
                }
            }
            return try ActivationGrid(channels: a.channels, rows: Self.window, columns: Self.window, values: values)
        }
    }

    /// Random queries from the demo grids: one position, a 3x3 region, a 5x5 canvas with 13 set
    /// cells (a checkerboard).
    private func queryKinds(_ generator: inout SeededGenerator) throws -> [(String, [GridQuery])] {
        func place(_ size: Int) -> (ActivationGrid, Int, Int) {
            let grid = bases[Int.random(in: 0..<bases.count, using: &generator)]
            return (grid, Int.random(in: 0...(grid.rows - size), using: &generator), Int.random(in: 0...(grid.columns - size), using: &generator))
        }
        var (ones, threes, canvases) = ([GridQuery](), [GridQuery](), [GridQuery]())
        for _ in 0..<queries {
            let (grid, row, column) = place(1)
            ones.append(try GridQuery(vector: Array(grid.vector(row: row, column: column))))
        }
        for _ in 0..<queries {
            let (grid, row, column) = place(3)
            threes.append(try grid.region(rows: row..<row + 3, columns: column..<column + 3))
        }
        for _ in 0..<queries {
            let (grid, row, column) = place(5)
            var cells: [[Float]?] = []
            for r in 0..<5 { for c in 0..<5 { cells.append((r + c) % 2 == 0 ? Array(grid.vector(row: row + r, column: column + c)) : nil) } }
            canvases.append(try GridQuery(rows: 5, columns: 5, cells: cells))
        }
        return [("1x1 brush", ones), ("3x3 region", threes), ("5x5 canvas, 13 cells", canvases)]
    }

    private func folderBytes(_ folder: String) throws -> (shards: Int, inverted: Int, total: Int) {
        func size(_ sub: String) throws -> Int {
            let path = folder + "/" + sub
            return try FileManager.default.contentsOfDirectory(atPath: path).reduce(0) {
                $0 + ((try FileManager.default.attributesOfItem(atPath: path + "/" + $1)[.size] as? Int) ?? 0)
            }
        }
        let manifest = (try FileManager.default.attributesOfItem(atPath: folder + "/" + IndexManifest.fileName)[.size] as? Int) ?? 0
        let (shards, inverted) = (try size("shards") + manifest, try size(InvertedManifest.folderName))
        return (shards, inverted, shards + inverted)
    }

}
