import ArgumentParser
import ArrayFiles
import Foundation
import Layout
import Render

extension Metric: ExpressibleByArgument {}
extension NeighborMethod: ExpressibleByArgument {}

/// `atlas layout`: 1-D and 2-D layouts of activation vectors (UMAP, t-SNE).
struct LayoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layout",
        abstract: "Lay out vectors in 1-D or 2-D with UMAP or t-SNE.",
        discussion: """
            Input: an (N, D) float32 .npy in C order, one vector per row (e.g. activations). \
            Output: an (N, 2) or (N, 1) float32 .npy, row i the position of input row i. \
            Progress goes to standard error. Runs offline, in parallel on all cores; a seed \
            reproduces a layout exactly on any machine.

            Examples:
              atlas layout umap acts.npy -o xy.npy --neighbors 20 --min-dist 0.01 --metric cosine
              atlas layout umap acts.npy -o xy.npy --plot xy.png --labels labels.npy
              atlas layout tsne acts.npy -o y.npy --dims 1 --perplexity 50 --learning-rate 10 --metric cosine
            """,
        subcommands: [UMAPLayoutCommand.self, TSNELayoutCommand.self])
}

/// What both layouts read and write.
struct LayoutFiles: ParsableArguments {
    @Argument(help: "Input vectors: an (N, D) float32 .npy, C order.")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the layout: an (N, dims) float32 .npy.")
    var output: String

    @Option(help: "Distance between input vectors: cosine (direction only; usual for activations) or euclidean.")
    var metric: Metric = .euclidean

    @Option(help: "Nearest-neighbour search: automatic (exact up to \(NearestNeighbors.exactLimit) points), exact, or approximate (NN-descent).")
    var neighborSearch: NeighborMethod = .automatic

    @Option(parsing: .unconditional, help: "Random seed; the same seed gives the same layout.")
    var seed: UInt64 = 0

    @Option(help: "Also draw the layout as a PNG scatter plot here.")
    var plot: String?

    @Option(help: "Colour the plot by these labels: an (N,) .npy of integers (e.g. classes).")
    var labels: String?

    @Flag(help: "Print no progress.")
    var quiet = false

    /// The points, and the labels when --labels is given: both read and checked before any
    /// layout is computed or written.
    func readInputs() throws -> (points: Points, labels: [Int]?) {
        let array = try NPY.read(input)
        guard array.shape.count == 2 else {
            throw LayoutInputError(file: input, problem: "expected a 2-D (N, D) array, got shape \(array.shape)")
        }
        let points: Points
        do {
            points = try Points(count: array.shape[0], dimension: array.shape[1], values: array.values)
        } catch let error as LayoutError {
            throw LayoutInputError(file: input, problem: "\(error)")
        }
        return (points, try readLabels(count: points.count))
    }

    private func readLabels(count: Int) throws -> [Int]? {
        guard let labels else { return nil }
        let array = try NPY.read(labels)
        guard array.values.count == count else {
            throw LayoutInputError(file: labels, problem: "\(array.values.count) labels for \(count) points")
        }
        return try array.values.enumerated().map { row, value in
            guard value.isFinite, value == value.rounded() else {
                throw LayoutInputError(file: labels, problem: "row \(row) is \(value), expected an integer label")
            }
            return Int(value)
        }
    }

    func write(_ embedding: Embedding, labels: [Int]?) throws {
        try NPY.write(NPYArray(shape: [embedding.count, embedding.dimension], values: embedding.values), to: output)
        if let plot {
            try ScatterPlot().write(to: plot, coordinates: embedding.values, dimension: embedding.dimension, labels: labels)
        }
    }

    var progress: ProgressHandler? { quiet ? nil : ProgressPrinter.shared.report }
}

/// A layout input file that cannot be used, with the file and the reason.
struct LayoutInputError: FileProblem {
    let file: String
    let problem: String
}

/// Prints progress lines to standard error, with the seconds since the start.
final class ProgressPrinter: Sendable {
    static let shared = ProgressPrinter()
    private let start = Date()

    @Sendable func report(_ progress: LayoutProgress) {
        let seconds = String(format: "%6.1fs", Date().timeIntervalSince(start))
        let detail = progress.detail.isEmpty ? "" : " \(progress.detail)"
        FileHandle.standardError.write(Data("[\(seconds)] \(progress.stage.rawValue) \(progress.completed)/\(progress.total)\(detail)\n".utf8))
    }
}

struct UMAPLayoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "umap",
        abstract: "UMAP: keeps neighbourhoods, spreads clusters apart.",
        discussion: """
            Settings used for activation atlases: 20 neighbours, min-dist 0.01, cosine (lucid's \
            notebooks); the Distill article used 50 / 0.05 / cosine on whitened activations. More \
            neighbours favour global structure; a smaller min-dist packs similar points tighter. \
            Time and memory grow linearly with N (approximate neighbours above \(NearestNeighbors.exactLimit) points).
            """)

    @OptionGroup var files: LayoutFiles

    @Option(parsing: .unconditional, help: "Neighbourhood size, the point itself included (umap-learn's n_neighbors).")
    var neighbors = 15

    @Option(parsing: .unconditional, help: "Smallest distance between points in the layout: 0.001-0.5.")
    var minDist = 0.1

    @Option(parsing: .unconditional, help: "Scale of the layout's distances; min-dist must not exceed it.")
    var spread = 1.0

    @Option(parsing: .unconditional, help: "Output dimensions: 2 (default) or 1.")
    var dims = 2

    @Option(parsing: .unconditional, help: "Optimisation epochs (default: 500 up to 10,000 points, 200 above).")
    var epochs: Int?

    func run() throws {
        let (points, labels) = try files.readInputs()
        var options = UMAPOptions()
        options.neighbors = neighbors
        options.minDist = minDist
        options.spread = spread
        options.metric = files.metric
        options.dimensions = dims
        options.epochs = epochs
        options.neighborMethod = files.neighborSearch
        options.seed = files.seed
        try files.write(UMAP.embed(points, options: options, progress: files.progress), labels: labels)
    }
}

struct TSNELayoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsne",
        abstract: "t-SNE (Barnes-Hut): keeps neighbourhoods; 1-D layouts order similar points together.",
        discussion: """
            The class-comparison view of activation atlases uses a 1-D t-SNE with perplexity 50, \
            learning rate 10 and cosine distance. Perplexity is roughly how many neighbours each \
            point attends to (3 x perplexity are searched). Defaults follow openTSNE: 250 iterations \
            of early exaggeration 12, then 500; learning rate N / exaggeration.
            """)

    @OptionGroup var files: LayoutFiles

    @Option(parsing: .unconditional, help: "Output dimensions: 1 or 2.")
    var dims = 2

    @Option(parsing: .unconditional, help: "Effective number of neighbours per point, typically 5-50.")
    var perplexity = 30.0

    @Option(parsing: .unconditional, help: "Step size (default: N / exaggeration, openTSNE's 'auto').")
    var learningRate: Float?

    @Option(parsing: .unconditional, help: "Iterations after early exaggeration.")
    var iterations = 500

    @Option(parsing: .unconditional, help: "Early exaggeration iterations.")
    var exaggerationIterations = 250

    func run() throws {
        let (points, labels) = try files.readInputs()
        var options = TSNEOptions()
        options.dimensions = dims
        options.perplexity = perplexity
        options.learningRate = learningRate
        options.iterations = iterations
        options.earlyExaggerationIterations = exaggerationIterations
        options.metric = files.metric
        options.neighborMethod = files.neighborSearch
        options.seed = files.seed
        try files.write(TSNE.embed(points, options: options, progress: files.progress), labels: labels)
    }
}
