import ArgumentParser
import Dataset
import Foundation
import Imaging
import InvertedFile
import Models
import Optvis
import Palette
import Search
import SearchArguments
import Tensor

/// `atlas-bench search`: the proofs of `atlas index` / `atlas search` on the demo photos:
/// index build rate, the int8 codes' cosine error, self-retrieval of 3x3 regions, precision at
/// 10 per demo category against a global-average baseline, and queries per second over 10,000
/// indexed images.
struct SearchBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Index build rate, int8 error, self-retrieval, precision at 10 and queries/s over 10,000 images.")

    @Option(help: "The labelled photos: one subfolder per category (`atlas dataset demo` extracts them).")
    var images = "data/demo"

    @Option(help: "The palette for the category queries (default: palettes/mobilenet_v2/features.13, else runs/dev-palette-features.13).")
    var palette: String?

    @Option(help: "The layer to index.")
    var layer = "features.13"

    @Option(help: "Input sides to index at.")
    var scales = "224,320"

    @Option(help: "Images in the speed index (made from random crops and flips of the photos' grids).")
    var speedImages = 10_000

    @Option(parsing: .unconditional, help: "Random 3x3 regions for self-retrieval.")
    var regions = 500

    @Option(parsing: .unconditional, help: "Timing length per query kind, in seconds.")
    var seconds = 3.0

    @Option(parsing: .unconditional, help: "Search at scale instead: an index of this many synthetic photos with its inverted file (1000000: about 24 GB on disk).")
    var synthetic: Int?

    @Option(parsing: .unconditional, help: "With --synthetic: the index size on which recall is measured against a full scan.")
    var recallImages = 100_000

    @Option(parsing: .unconditional, help: "With --synthetic: random queries of each kind.")
    var queries = 40

    @Option(parsing: .unconditional, help: "With --synthetic: queries of each kind also checked against a full scan of the whole index.")
    var fullRecall = 0

    @Option(help: "With --synthetic: where the synthetic indexes are kept between runs.")
    var work = ".deps/search-bench"

    @OptionGroup(title: "With --synthetic") var inverted: InvertedSearchOptions

    @Option(parsing: .unconditional, help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(parsing: .unconditional, help: "The seed of the random regions and crops.")
    var seed: UInt64 = 1

    func run() throws {
        if let threads { try ComputeThreads.set(threads) }
        let sides = scales.split(separator: ",").compactMap { Int($0) }
        guard !sides.isEmpty else { throw ValidationError("--scales: expected sides like 224,320") }
        let model = ModelName.mobileNetV2
        guard let sha256 = model.weightsFile.sha256 else { throw ValidationError("\(model.rawValue) has no known checkpoint sha256") }
        let network = try model.load(weightsAt: model.weightsFile.defaultPath())
        let source = try NetworkGridSource(network: network, layer: layer, weightsSHA256: sha256)
        let files = try ImageCollection.list(images)
        guard !files.isEmpty else { throw ValidationError("\(images): no photos (run `atlas dataset demo`)") }
        print("\(model.rawValue) \(layer), \(ComputeThreads.count) threads, \(files.count) photos in \(images), scales \(scales)")
        if let synthetic {
            guard synthetic > 0, queries >= 2, fullRecall >= 0 else {
                throw ValidationError("--synthetic must be positive, --queries at least 2 and --full-recall not negative")
            }
            let side = sides.max()!
            let bases = try files.map { try source.grids(of: [IndexView.fitted(decodeImage(at: $0.path), side: side)], side: side)[0] }
            return try SyntheticSearchBenchmark(
                images: synthetic, recallImages: min(recallImages, synthetic), queries: queries, fullRecall: fullRecall, work: work,
                seed: seed, settings: inverted.settings, bases: bases,
                origin: source.origin).run()
        }

        // Build rate: a fresh index of the photos, everything included (read, sha256, decode,
        // resize, network, encode, write).
        let folder = NSTemporaryDirectory() + "atlas-bench-search-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (start, cpuStart) = (ContinuousClock.now, Self.cpuSeconds())
        let report = try IndexBuilder(folder: folder, source: source, scales: sides).build(files.map(\.path))
        let (buildSeconds, buildCPU) = (Self.seconds(ContinuousClock.now - start), Self.cpuSeconds() - cpuStart)
        let (manifest, index) = try IndexFolder.load(folder)
        let shardBytes = try manifest.shards.reduce(0) {
            $0 + ((try FileManager.default.attributesOfItem(atPath: folder + "/" + $1)[.size] as? Int) ?? 0)
        }
        print(String(format: "index build: %d photos in %.1f s = %.1f photos/s; %.1f CPU s = %.1f photos per CPU-second (load average %@); "
                     + "%d skipped; %.1f KiB per photo on disk", report.added, buildSeconds, Double(report.added) / buildSeconds, buildCPU,
                     Double(report.added) / buildCPU, Self.loadAverage(), report.skipped.count,
                     Double(shardBytes) / Double(max(report.added, 1)) / 1024))

        // Float32 grids again, and each photo's top-1 class.
        let labels = try ImageNetLabels.load()
        var floatGrids: [[ActivationGrid]] = [], topClass: [String] = []
        for path in index.paths {
            let photo = try decodeImage(at: path)
            floatGrids.append(try sides.map { try source.grids(of: [IndexView.fitted(photo, side: $0)], side: $0)[0] })
            let probabilities = try network.probabilities(of: network.input(for: [photo], names: [path], resizing: .torchvision))
            topClass.append(labels[probabilities.values.indices.max { probabilities.values[$0] < probabilities.values[$1] }!])
        }
        try reportCodeError(index: index, floatGrids: floatGrids)
        try reportSelfRetrieval(index: index, floatGrids: floatGrids, sides: sides)
        try reportPrecision(index: index, files: files, topClass: topClass)
        try reportSpeed(floatGrids: floatGrids, origin: index.origin, sides: sides)
    }

    /// 1 - cosine between each position's float32 vector and its int8 codes.
    private func reportCodeError(index: GridIndex, floatGrids: [[ActivationGrid]]) throws {
        var errors: [Float] = []
        for (number, grids) in floatGrids.enumerated() {
            for (scale, grid) in grids.enumerated() {
                let decoded = index.vectors(ofGrid: number * grids.count + scale), channels = grid.channels
                for position in 0..<grid.rows * grid.columns {
                    errors.append(1 - cosine(Array(grid.values[position * channels..<(position + 1) * channels]),
                                             Array(decoded[position * channels..<(position + 1) * channels])))
                }
            }
        }
        errors.sort()
        let mean = errors.reduce(0, +) / Float(errors.count)
        print(String(format: "int8 codes: 1 - cosine with float32 over %d positions: mean %.2e, 99th percentile %.2e, max %.2e",
                     errors.count, mean, errors[errors.count * 99 / 100], errors.last!))
        print(String(format: "  memory per position: %d bytes (int8 codes + float scale) vs %d as float32",
                     index.bytesPerPosition, 4 * index.origin.channels))
    }

    /// 3x3 regions of the float32 grids, at random places, photos and scales, searched in the
    /// int8 index: found first at the right place and scale?
    private func reportSelfRetrieval(index: GridIndex, floatGrids: [[ActivationGrid]], sides: [Int]) throws {
        var generator = SeededGenerator(seed: seed)
        var (found, scoreLoss) = (0, Float(0))
        for _ in 0..<regions {
            let number = Int.random(in: 0..<floatGrids.count, using: &generator), scale = Int.random(in: 0..<sides.count, using: &generator)
            let grid = floatGrids[number][scale]
            let row = Int.random(in: 0...(grid.rows - 3), using: &generator), column = Int.random(in: 0...(grid.columns - 3), using: &generator)
            guard let hit = try index.ranking(grid.region(rows: row..<row + 3, columns: column..<column + 3), top: 1).first else { continue }
            if hit.image == number && hit.row == row && hit.column == column && hit.side == sides[scale] { found += 1 }
            scoreLoss = max(scoreLoss, hit.image == number ? 1 - hit.score : 0)
        }
        print(String(format: "self-retrieval: %d of %d random 3x3 regions (%.1f%%) find their photo first at the right place and scale",
                     found, regions, 100 * Double(found) / Double(regions)))
    }

    /// Per category: the most common top-1 class among its photos that the palette has a cell
    /// for; the query is that cell's vector. Precision at 10 of the grid search (best position)
    /// and of the baseline (cosine with each grid's mean activation).
    private func reportPrecision(index: GridIndex, files: [ImageFile], topClass: [String]) throws {
        let candidates = [palette, "palettes/mobilenet_v2/features.13", "runs/dev-palette-features.13"].compactMap { $0 }
        guard let folder = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/palette.json") }) else {
            print("precision at 10: skipped (no palette at \(candidates.joined(separator: " or ")))")
            return
        }
        let loaded = try Palette.load(folder)
        try index.origin.check(palette: loaded, index: "the bench index")
        let category = Dictionary(uniqueKeysWithValues: files.map { ($0.path, String($0.relativePath.split(separator: "/")[0])) })
        let categories = Set(category.values).sorted()
        print("precision at 10 (palette \(folder), \(loaded.description.cells.count) cells); class = the category's most common "
            + "top-1 class with a palette cell:")
        var (searchTotal, baselineTotal, counted) = (0.0, 0.0, 0)
        for name in categories {
            let members = Set(index.paths.indices.filter { category[index.paths[$0]] == name })
            guard members.count >= 10 else {
                print("  \(name): \(members.count) photos, too few for precision at 10")
                continue
            }
            let counts = members.reduce(into: [String: Int]()) { $0[topClass[$1], default: 0] += 1 }
            let ordered = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            guard let (label, votes) = ordered.first(where: { loaded.cell(forClass: $0.key) != nil }).map({ ($0.key, $0.value) }) else {
                print("  \(name): no top-1 class of its photos has a palette cell")
                continue
            }
            let vector = loaded.vector(ofCell: loaded.cell(forClass: label)!)
            let search = RetrievalQuality.ranking(try index.bestMatches(GridQuery(vector: vector)).map { $0?.score })
            let baseline = RetrievalQuality.ranking(index.globalAverageScores(vector))
            let (p, b) = (RetrievalQuality.precision(at: 10, ranking: search, relevant: members),
                          RetrievalQuality.precision(at: 10, ranking: baseline, relevant: members))
            print("  " + name.padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(format: " %3d photos  search %.2f  baseline %.2f  class ", members.count, p, b)
                + "\"\(label)\" (top-1 of \(votes))")
            (searchTotal, baselineTotal, counted) = (searchTotal + p, baselineTotal + b, counted + 1)
        }
        if counted > 0 {
            print(String(format: "  overall (mean over %d categories): search %.2f  baseline %.2f", counted,
                         searchTotal / Double(counted), baselineTotal / Double(counted)))
        }
    }

    /// An in-memory index of `speedImages` images, each a random 14x14-cell crop (as the 224
    /// scale) and the whole grid (as 320), either flipped left-right, of a photo's 320 grid;
    /// then queries per second for a 1x1 brush, a 3x3 region and a 5x5 canvas with free cells.
    private func reportSpeed(floatGrids: [[ActivationGrid]], origin: GridOrigin, sides: [Int]) throws {
        var generator = SeededGenerator(seed: seed &+ 1)
        var index = GridIndex(origin: origin)
        let largest = sides.indices.max { sides[$0] < sides[$1] }!
        for number in 0..<speedImages {
            let base = floatGrids[Int.random(in: 0..<floatGrids.count, using: &generator)][largest]
            let flip = Bool.random(using: &generator)
            let image = index.addImage(path: "synthetic-\(number)")
            for side in sides {
                let rows = min(base.rows, side / origin.stride), columns = min(base.columns, side / origin.stride)
                let top = Int.random(in: 0...(base.rows - rows), using: &generator)
                let left = Int.random(in: 0...(base.columns - columns), using: &generator)
                try index.add(Self.crop(base, top: top, left: left, rows: rows, columns: columns, flip: flip), image: image, side: side)
            }
        }
        let positions = index.scales.count
        print(String(format: "speed: %d images, %d grids, %.0f positions per image, %.1f MiB of codes and scales in memory",
                     index.imageCount, index.grids.count, Double(positions) / Double(index.imageCount),
                     Double(positions * index.bytesPerPosition + index.grids.count * index.bytesPerGrid) / 1_048_576))
        let sample = floatGrids[0][0]
        var canvasCells: [[Float]?] = []
        for row in 0..<5 {
            for column in 0..<5 { canvasCells.append((row + column) % 2 == 0 ? Array(sample.vector(row: 4 + row, column: 4 + column)) : nil) }
        }
        let queries: [(String, GridQuery)] = [
            ("1x1 brush", try GridQuery(vector: Array(sample.vector(row: 7, column: 7)))),
            ("3x3 region", try sample.region(rows: 5..<8, columns: 5..<8)),
            ("5x5 canvas, 13 set cells", try GridQuery(rows: 5, columns: 5, cells: canvasCells)),
        ]
        print("  wall clock (median) and CPU time (all threads) per query; the machine's load average is \(Self.loadAverage())")
        for (name, query) in queries {
            var times: [Double] = []
            let clock = ContinuousClock(), deadline = clock.now + .seconds(seconds), cpuStart = Self.cpuSeconds()
            while times.count < 3 || clock.now < deadline {
                let start = clock.now
                _ = try index.ranking(query, top: 12)
                times.append(Self.seconds(clock.now - start))
            }
            let median = times.sorted()[times.count / 2], cpu = (Self.cpuSeconds() - cpuStart) / Double(times.count)
            let cellDots = Double(positions) * Double(query.setCells.count)
            print("  " + name.padding(toLength: 26, withPad: " ", startingAt: 0)
                + String(format: " %6.2f queries/s (%6.1f ms wall, %6.1f ms CPU: %.2f queries per CPU-second; %.2f G cosines per CPU-second)",
                         1 / median, median * 1000, cpu * 1000, 1 / cpu, cellDots / cpu / 1e9))
        }
    }

    private static func crop(_ grid: ActivationGrid, top: Int, left: Int, rows: Int, columns: Int, flip: Bool) throws -> ActivationGrid {
        var values: [Float] = []
        values.reserveCapacity(rows * columns * grid.channels)
        for row in top..<top + rows {
            for step in 0..<columns {
                values += grid.vector(row: row, column: flip ? left + columns - 1 - step : left + step)
            }
        }
        return try ActivationGrid(channels: grid.channels, rows: rows, columns: columns, values: values)
    }

    /// User and system time of the whole process so far: what the work cost, whatever else the
    /// machine was running.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    /// /proc/loadavg's first three fields, or "unknown".
    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
            ?? "unknown"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
