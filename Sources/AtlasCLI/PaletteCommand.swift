import ArgumentParser
import ArrayFiles
import Collect
import Foundation
import Layout
import Models
import Palette

/// `atlas palette`: build and inspect palettes, the activation atlases of one layer on disk.
struct PaletteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "palette",
        abstract: "Build and inspect palettes: a layer's activation atlas on disk.",
        discussion: """
            A palette is a folder: palette.json (model, weights' sha256, layer, grid, parameters, and per cell its \
            position, sample count, top classes by mean attribution and icon), vectors.npy (each cell's mean \
            activation), whitening.npy, attributions.npy, layout.npy, icons/ and atlas.png. Painting and search use \
            its cells as brushes and query words.
            """,
        subcommands: [PaletteBuildCommand.self, PaletteShowCommand.self])
}

/// `atlas palette build`: a collection run (or a folder of photos) to a palette.
struct PaletteBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Lay out a collection with UMAP (or t-SNE), grid it, and render an icon per dense cell.",
        discussion: """
            Stages (each timed on stderr): the whitening matrix S = inverse(A^T A / N) of the activations; a UMAP \
            (or, with --layout tsne, t-SNE) layout (on whitened activations unless --no-whiten-layout), normalised per axis between the 1st and 99th \
            percentiles widened by 10%; a G x G grid whose cells with at least --min-density samples are kept, each \
            with its mean activation, count and mean attribution per class; an icon per cell, the feature \
            visualization of the cell's whitened vector at the layer's centre; the atlas picture. A killed build \
            started again with the same arguments keeps its layout and the icons it had rendered.

            Give a collection run made by `atlas collect`, or --images DIR --layer L to collect first (into \
            --collection, resumable too).
            """)

    @Argument(help: "A collection run folder (from `atlas collect`).")
    var collectionRun: String?

    @Option(help: "Collect from the photos under this folder first (with --layer).")
    var images: String?

    @Option(help: "The layer to collect with --images.")
    var layer: String?

    @Option(help: "Where --images collects to (default: runs/collection-<model>-<layer>).")
    var collection: String?

    @Option(parsing: .unconditional, help: "Random positions per image when collecting with --images.")
    var perImage = 64

    @Option(name: .shortAndLong, help: "The palette folder to write.")
    var output: String

    @Option(parsing: .unconditional, help: "Cells per side of the atlas grid.")
    var grid = 20

    @Option(parsing: .unconditional, help: "The fewest samples a cell needs to be kept.")
    var minDensity = 8

    @Option(help: "The layout: umap or tsne (default: umap; tsne with --class, which keeps a class's neighbourhoods better).")
    var layout: PaletteLayoutMethod?

    @Option(parsing: .unconditional, help: "t-SNE's perplexity (with --layout tsne).")
    var perplexity = 30.0

    @Option(parsing: .unconditional, help: "UMAP's neighbourhood size.")
    var neighbors = 20

    @Option(parsing: .unconditional, help: "UMAP's minimum distance.")
    var minDist: Float = 0.01

    @Option(help: "UMAP's metric: cosine or euclidean.")
    var metric = Metric.cosine

    @Flag(help: "Lay out the raw activations instead of the whitened ones (the article does so for the earliest layers).")
    var noWhitenLayout = false

    @Option(parsing: .unconditional, help: "Optimisation steps per icon.")
    var steps = 256

    @Option(parsing: .unconditional, help: "The side of the icons in pixels.")
    var size = 80

    @Option(parsing: .unconditional, help: "Attempts per icon from different random starts; the best is kept.")
    var attempts = 1

    @Option(parsing: .unconditional, help: "Icons rendered together.")
    var batch = 16

    @Option(name: .customLong("cossim-pow"), parsing: .unconditional, help: "The power of the cosine in the icon objective.")
    var cossimPower: Float = 4

    @Option(parsing: .unconditional, help: "The side of atlas.png's grid in pixels (default: grid x icon size).")
    var atlasSize: Int?

    @Option(parsing: .unconditional, help: "The seed of the layout and the icons.")
    var seed: UInt64 = 0

    @Option(name: .customLong("class"), help: "Build a class activation atlas: only the samples whose most attributed class is this one, then those most attributed to it (a label or a synonym).")
    var className: String?

    @Option(parsing: .unconditional, help: "With --class: the most samples the class atlas keeps.")
    var classSamples = 3000

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard (collectionRun == nil) != (images == nil) else { throw ValidationError("give a collection run folder or --images, not both") }
        if images != nil && layer == nil { throw ValidationError("--images needs --layer") }
        if collectionRun != nil && (layer != nil || collection != nil) {
            throw ValidationError("--layer and --collection go with --images; a collection run knows its layer")
        }
        guard classSamples > 0 else { throw ValidationError("--class-samples must be positive") }
        do {
            try options.validate()
        } catch {
            throw ValidationError("\(error)")  // an argument out of range: a usage error
        }
    }

    var options: PaletteBuildOptions {
        var options = PaletteBuildOptions()
        (options.grid, options.minDensity, options.neighbors, options.minDist) = (grid, minDensity, neighbors, minDist)
        (options.metric, options.whitenLayout, options.steps, options.iconSize) = (metric, !noWhitenLayout, steps, size)
        (options.attempts, options.batch, options.cossimPower, options.atlasSide, options.seed) = (attempts, batch, cossimPower, atlasSize, seed)
        (options.layoutMethod, options.perplexity) = (layout ?? (className == nil ? .umap : .tsne), perplexity)
        return options
    }

    func run() throws {
        let start = Date()
        let log: @Sendable (String) -> Void = { line in
            FileHandle.standardError.write(Data((String(format: "[%6.1fs] ", Date().timeIntervalSince(start)) + line + "\n").utf8))
        }
        let network = try self.network.load()
        let weightsSHA256 = try self.network.checkpointSHA256()
        var timings = PaletteBuilder.Timings()
        let runFolder = try collectionRun ?? collect(network: network, weightsSHA256: weightsSHA256, log: log, timings: &timings)
        let loadStart = Date()
        let header = try SampleSet.readHeader(runFolder)
        try header.check(model: network.name, weightsSHA256: weightsSHA256, folder: runFolder)
        if FileManager.default.fileExists(atPath: URL(fileURLWithPath: output).appendingPathComponent(PaletteDescription.fileName).path) {
            do {
                try Palette.load(output).check(model: header.model, layer: header.layer)
            } catch let error as PaletteError {
                throw PaletteError("\(error.description); not overwriting it: choose another -o or delete it")
            }
        }
        var samples = try SampleSet.load(runFolder)
        let labels = try self.network.labels()
        if let className {
            let classIndex = try ClassLookup.resolve(className, labels: labels)
            let chosen = samples.samples(ofClass: classIndex, maximum: classSamples)
            guard !chosen.isEmpty else {
                let known = samples.attributedClassIndices.map { labels[$0] }
                let near = closeNames(to: className.lowercased(), among: known.map { $0.lowercased() }).prefix(5)
                throw PaletteError("no sample of \(runFolder) is attributed to '\(labels[classIndex])'"
                    + (near.isEmpty ? "" : "; classes its samples are attributed to, near that name: " + near.joined(separator: ", ")))
            }
            log("class atlas of \(labels[classIndex]): \(chosen.count) of \(samples.count) samples")
            samples = try samples.subset(chosen)
        }
        timings.stages.append(("load", Date().timeIntervalSince(loadStart)))
        log(String(format: "load: %.1f s (%@)", timings.stages.last!.seconds, runFolder))
        let builder = try PaletteBuilder(options: options, folder: output, log: log)
        _ = try builder.build(samples: samples, labels: labels, model: network, timings: &timings)
        log("stages: " + timings.stages.map { String(format: "%@ %.1f s", $0.name, $0.seconds) }.joined(separator: ", ")
            + String(format: "; total %.1f s", timings.total))
    }

    /// Collects --images at --layer into the collection folder and returns it.
    private func collect(network: Network, weightsSHA256: String, log: @Sendable (String) -> Void,
                         timings: inout PaletteBuilder.Timings) throws -> String {
        let (images, layer) = (self.images!, self.layer!)
        let folder = collection ?? "runs/collection-\(network.name)-\(layer)"
        log("collect: \(images) at \(layer) into \(folder)")
        let start = Date()
        try CollectionRun.run(images: images, output: folder, network: network, weightsSHA256: weightsSHA256,
                              settings: CollectionSettings(layer: layer, perImage: perImage, seed: seed)) { event in
            switch event {
            case .resumed(let shards, let images): log("  resuming after \(shards) shards (\(images) images)")
            case .skipped(let path, let reason): log("  skipped \(path): \(reason)")
            case .progress(let done, let total, let rate, _): if done == total || done % 32 == 0 {
                log(String(format: "  %d/%d images, %.1f images/s", done, total, rate))
            }
            case .shardWritten: break
            }
        }
        timings.stages.append(("collect", Date().timeIntervalSince(start)))
        return folder
    }
}

/// `atlas palette show`: one cell of a palette.
struct PaletteShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a palette's summary, or one cell: its count, top classes and icon.",
        discussion: """
            Cells are named column,row as in palette.json (column from the left, row from the top of atlas.png). \
            A cell's attribution to a class is the mean over its samples of activation . d logit / d activation at \
            the sample's position: a linear estimate of what that part of an image adds to the class's logit. Labels \
            whose attribution is under \(Palette.reliableAttribution) (odds changed by under ~1%) are marked unreliable.
            """)

    @Argument(help: "The palette folder.")
    var palette: String

    @Option(help: "A cell, as column,row (e.g. 7,3).")
    var cell: CellPosition?

    @Option(help: "Refuse unless the palette is of this layer.")
    var layer: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let palette = try Palette.load(self.palette)
        if let layer { try palette.check(model: palette.description.model, layer: layer) }
        let d = palette.description
        guard let position = cell else {
            if json {
                print(String(decoding: try Self.encoder.encode(PaletteSummary(palette)), as: UTF8.self))
            } else {
                print("\(d.model) \(d.layer) (stride \(d.stride)): \(d.grid)x\(d.grid) grid, \(d.cells.count) cells, \(d.samples) samples "
                      + "from \(d.images) images")
                print("median top-class attribution per cell: \(String(format: "%.3g", palette.medianTopAttribution))")
                if let warning = palette.unreliableLabelsWarning { print("note: \(warning)") }
            }
            return
        }
        guard let index = palette.cell(column: position.column, row: position.row) else {
            let inside = (0..<d.grid).contains(position.column) && (0..<d.grid).contains(position.row)
            throw PaletteError("\(self.palette): " + (inside
                ? "cell \(position.column),\(position.row) holds fewer than \(d.parameters.minDensity) samples and was not kept"
                : "cell \(position.column),\(position.row) is outside the \(d.grid)x\(d.grid) grid (columns and rows 0 to \(d.grid - 1))"))
        }
        let item = d.cells[index]
        if json {
            print(String(decoding: try Self.encoder.encode(CellReport(item, palette: palette)), as: UTF8.self))
            return
        }
        print("cell \(item.column),\(item.row) of \(d.model) \(d.layer): average of \(item.count) activations")
        for entry in item.classes {
            print(String(format: "  %8.4f  %@", entry.attribution, entry.label))
        }
        print("icon: \(palette.path(item.icon))")
        if !item.hasReliableLabel {
            print("note: the top attribution is under \(Palette.reliableAttribution) logit: this cell's label is unreliable")
        }
        if let warning = palette.unreliableLabelsWarning { print("note: \(warning)") }
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    private struct CellReport: Encodable {
        let column: Int, row: Int, count: Int, classes: [ClassAttribution], icon: String, reliableLabel: Bool
        init(_ cell: PaletteCell, palette: Palette) {
            (column, row, count, classes) = (cell.column, cell.row, cell.count, cell.classes)
            (icon, reliableLabel) = (palette.path(cell.icon), cell.hasReliableLabel)
        }
    }

    private struct PaletteSummary: Encodable {
        let model: String, layer: String, grid: Int, cells: Int, samples: Int, images: Int
        let medianTopAttribution: Float, reliableLabels: Bool
        init(_ palette: Palette) {
            let d = palette.description
            (model, layer, grid, cells, samples, images) = (d.model, d.layer, d.grid, d.cells.count, d.samples, d.images)
            (medianTopAttribution, reliableLabels) = (palette.medianTopAttribution, palette.labelsAreReliable)
        }
    }
}

/// A grid cell given as `column,row`.
struct CellPosition: ExpressibleByArgument {
    let column: Int
    let row: Int

    init?(argument: String) {
        let parts = argument.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let column = parts[0], let row = parts[1], column >= 0, row >= 0 else { return nil }
        (self.column, self.row) = (column, row)
    }
}

extension PaletteLayoutMethod: ExpressibleByArgument {}
