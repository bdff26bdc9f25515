import ArrayFiles
import Collect
import Foundation
import Imaging
import Layout
import Optvis
import Tensor

/// Builds a palette folder from a collection run, stage by stage (whitening, layout, grid,
/// icons, picture), timing each and reporting on `log`. Resumable where cheap: the layout and
/// every icon already written for the same samples and settings (`build-state.json`) are kept,
/// so a killed build continues with the icons it had not rendered.
public struct PaletteBuilder {
    public let options: PaletteBuildOptions
    public let folder: String
    public let log: @Sendable (String) -> Void

    public init(options: PaletteBuildOptions, folder: String, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        try options.validate()
        (self.options, self.folder, self.log) = (options, folder, log)
    }

    /// The seconds each stage took, in order.
    public struct Timings: Sendable {
        public var stages: [(name: String, seconds: Double)] = []
        public var total: Double { stages.reduce(0) { $0 + $1.seconds } }
        public init() {}
    }

    /// Builds the palette of `samples` with icons rendered through `model` (the collection's
    /// network: the caller checks that it is), labelled with `labels` (one per logit).
    public func build(samples: SampleSet, labels: [String], model: some DifferentiableLayerModel,
                      timings: inout Timings) throws -> Palette {
        try ArtefactFolder.check(folder, willHold: ArtefactFolder.palette)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let header = samples.header
        log("\(header.model) \(header.layer): \(samples.count) samples of \(samples.channels) channels from \(header.images.count) images")
        let whitening = try stage("whitening", &timings) {
            try Whitening(activations: Tensor(shape: [samples.count, samples.channels], values: samples.activations))
        }
        let previous = BuildState.read(folder)
        let state = BuildState(layout: "\(samplesKey(samples)) \(options.layoutKey)",
                               icons: options.iconKey)
        let (layout, reused) = try stage("layout", &timings) {
            try self.layout(of: samples, whitening: whitening, reuse: previous?.layout == state.layout)
        }
        let plan = try stage("grid", &timings) {
            let plan = try PalettePlan(samples: samples, layout: layout, whitening: whitening, labels: labels, options: options)
            let counts = plan.description.cells.map(\.count)
            log("grid \(options.grid)x\(options.grid): \(counts.count) cells hold at least \(options.minDensity) samples "
                + "(\(counts.reduce(0, +)) of \(samples.count) samples; the densest holds \(counts.max() ?? 0))")
            return plan
        }
        if previous != state || !reused {
            try? FileManager.default.removeItem(atPath: Palette.path(folder, "icons"))
            try state.write(folder)
        }
        try stage("icons", &timings) { try renderIcons(plan, model: model) }
        let palette = try plan.palette(in: folder)
        // attributions.npy first: palette.json, written last, names its columns.
        try NPY.write(NPYArray(shape: [plan.description.cells.count, plan.description.attributedClasses?.count ?? 0],
                               values: plan.attributions), to: palette.path(Palette.attributionsFile))
        try palette.write()
        try stage("render", &timings) {
            let picture = try AtlasPicture(palette: palette, side: options.atlasSide)
            try picture.draw().writePNG(to: palette.path(Palette.atlasFile))
        }
        if let warning = palette.unreliableLabelsWarning { log("note: " + warning) }
        log("wrote \(folder) (\(plan.description.cells.count) cells) in \(String(format: "%.1f", timings.total)) s")
        return palette
    }

    /// The normalised layout: read back from `layout.npy` when `reuse` says it was made from the
    /// same samples and settings, otherwise UMAP or t-SNE on the (whitened) activations; and
    /// whether it was read back.
    private func layout(of samples: SampleSet, whitening: Whitening, reuse: Bool) throws -> (layout: [Float], reused: Bool) {
        let file = Palette.path(folder, Palette.layoutFile)
        if reuse, let saved = try? NPY.read(file), saved.shape == [samples.count, 2] {
            log("layout: reusing \(file)")
            return (saved.values, true)
        }
        let input = options.whitenLayout ? try LayoutWhitening.whiten(samples.activations, with: whitening) : samples.activations
        let start = Date()
        let log = self.log
        let progress: ProgressHandler = { progress in
            guard progress.completed == progress.total || progress.completed % max(progress.total / 4, 1) == 0 else { return }
            log(String(format: "  [%5.1fs] ", Date().timeIntervalSince(start)) + "\(progress.stage.rawValue) \(progress.completed)/\(progress.total) \(progress.detail)")
        }
        let points = try Points(count: samples.count, dimension: samples.channels, values: input)
        let embedding: Embedding
        switch options.layoutMethod {
        case .umap:
            var umap = UMAPOptions()
            (umap.neighbors, umap.minDist, umap.metric, umap.seed) = (options.neighbors, Double(options.minDist), options.metric, options.seed)
            embedding = try UMAP.embed(points, options: umap, progress: progress)
        case .tsne:
            var tsne = TSNEOptions()
            (tsne.perplexity, tsne.metric, tsne.seed) = (options.perplexity, options.metric, options.seed)
            embedding = try TSNE.embed(points, options: tsne, progress: progress)
        }
        let layout = LayoutNormalisation().normalise(embedding.values, dimension: 2)
        try NPY.write(NPYArray(shape: [samples.count, 2], values: layout), to: file)
        return (layout, false)
    }

    /// Renders the icons not yet on disk, batch by batch; batch b always holds the same cells and
    /// starts from seed + b, so a resumed build renders what an uninterrupted one would.
    private func renderIcons(_ plan: PalettePlan, model: some DifferentiableLayerModel) throws {
        let cells = plan.description.cells, channels = plan.description.channels
        try FileManager.default.createDirectory(atPath: Palette.path(folder, "icons"), withIntermediateDirectories: true)
        let renderer = IconRenderer(layer: plan.description.layer, whitening: plan.whitening, size: options.iconSize,
                                    steps: options.steps, attempts: options.attempts, cossimPower: options.cossimPower)
        let batches = stride(from: 0, to: cells.count, by: options.batch).map { $0..<min($0 + options.batch, cells.count) }
        let start = Date()
        var rendered = 0
        for (b, batch) in batches.enumerated() {
            let missing = batch.filter { !FileManager.default.fileExists(atPath: Palette.path(folder, cells[$0].icon)) }
            guard !missing.isEmpty else { continue }
            let vectors = batch.map { Array(plan.vectors[$0 * channels..<($0 + 1) * channels]) }
            let (icons, objective) = try renderer.render(vectors, model: model, seed: options.seed &+ UInt64(b))
            for (icon, cell) in zip(icons, batch) { try writeAtomically(icon.pngData(), to: Palette.path(folder, cells[cell].icon)) }
            rendered += batch.count
            let seconds = Date().timeIntervalSince(start)
            let mean = objective.reduce(0, +) / Float(objective.count)
            log(String(format: "  icons: batch %d/%d, %d rendered in %.1f s (%.2f icons/s), mean objective %.4g",
                       b + 1, batches.count, rendered, seconds, Double(rendered) / seconds, mean))
        }
        if rendered < cells.count { log("  icons: \(cells.count - rendered) of \(cells.count) already rendered") }
    }

    /// Runs and times one stage.
    private func stage<T>(_ name: String, _ timings: inout Timings, _ work: () throws -> T) throws -> T {
        log("\(name)…")
        let start = Date()
        let result = try work()
        let seconds = Date().timeIntervalSince(start)
        timings.stages.append((name, seconds))
        log(String(format: "\(name): %.1f s", seconds))
        return result
    }

    /// What the layout depends on in the samples: the collection, and which of its samples (a
    /// class atlas lays out a subset).
    private func samplesKey(_ samples: SampleSet) -> String {
        let header = samples.header
        let origins = samples.origins.map { Int64($0).littleEndian }.withUnsafeBytes { SHA256.hex($0) }
        return "\(header.model) \(header.weightsSHA256) \(header.layer) \(header.imagesSHA256) samples=\(samples.count) "
            + "seed=\(header.seed) origins=\(origins.prefix(16))"
    }
}

/// What the files of a partly built palette folder were made from (`build-state.json`).
struct BuildState: Codable, Equatable {
    var layout: String
    var icons: String

    static let fileName = "build-state.json"

    static func read(_ folder: String) -> BuildState? {
        FileManager.default.contents(atPath: Palette.path(folder, fileName)).flatMap { try? JSONDecoder().decode(BuildState.self, from: $0) }
    }

    func write(_ folder: String) throws {
        try writeAtomically(JSONEncoder().encode(self), to: Palette.path(folder, Self.fileName))
    }
}
