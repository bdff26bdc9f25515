import Analysis
import ArgumentParser
import ArrayFiles
import Collect
import Foundation
import Models
import Palette

/// `atlas compare`: what separates two classes in a collection.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two classes in a collection: icons laid out by which class they pull towards.",
        discussion: """
            The article's two-class comparison: the collection's samples attributed to either class, \
            x = attribution to A less attribution to B (normalised by its 99th percentile of absolute \
            value; right: A, left: B), y = a 1-D t-SNE of the whitened activations (perplexity 50, \
            learning rate 10, cosine), a grid of icons (each dense cell's mean activation, rendered as \
            the atlas icons). --json writes the cells that pull hardest towards each class, with their \
            grid position, count, mean pull and mean vector, and with --palette the nearest palette cell to \
            each (its column, row, cosine and most attributed class): where to find that concept to paint \
            with it or to use it as a patch.
            """)

    @Argument(help: "A collection run folder (from `atlas collect`).")
    var collectionRun: String

    @Argument(help: "Class A (a label or a synonym).")
    var a: String

    @Argument(help: "Class B.")
    var b: String

    @Option(name: .shortAndLong, help: "The PNG to write.")
    var output: String

    @Option(parsing: .unconditional, help: "Cells per side of the grid.")
    var grid = 10

    @Option(parsing: .unconditional, help: "The fewest samples a cell needs to get an icon.")
    var minDensity = 3

    @Option(parsing: .unconditional, help: "The side of the icons in pixels.")
    var size = 48

    @Option(parsing: .unconditional, help: "Optimisation steps per icon.")
    var steps = 128

    @Option(help: "Write the strongest cells towards each class as JSON to this file (- for stdout).")
    var json: String?

    @Option(help: "A palette of the collection's model and layer: --json gives each listed cell's nearest palette cell.")
    var palette: String?

    @Option(parsing: .unconditional, help: "The seed of the layout and the icons.")
    var seed: UInt64 = 0

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard output.lowercased().hasSuffix(".png") else { throw ValidationError("--output must be a .png file, got \(output)") }
        guard (2...40).contains(grid), minDensity >= 1, (16...512).contains(size), (1...100_000).contains(steps) else {
            throw ValidationError("--grid is 2 to 40, --min-density at least 1, --size 16 to 512 pixels, --steps 1 to 100000")
        }
    }

    func run() throws {
        let labels = try network.labels()
        let (classA, classB) = (try ClassLookup.resolve(a, labels: labels), try ClassLookup.resolve(b, labels: labels))
        let network = try self.network.load()
        let header = try SampleSet.readHeader(collectionRun)
        try header.check(model: network.name, weightsSHA256: try self.network.checkpointSHA256(), folder: collectionRun)
        let palette = try self.palette.map { try Palette.load($0) }
        try palette?.check(model: header.model, layer: header.layer, weightsSHA256: header.weightsSHA256)
        let samples = try SampleSet.load(collectionRun)
        let start = Date()
        let say = { (line: String) in
            FileHandle.standardError.write(Data((String(format: "[%6.1fs] ", Date().timeIntervalSince(start)) + line + "\n").utf8))
        }
        let comparison = try ClassComparison(samples: samples, a: classA, b: classB, labels: labels, network: network, grid: grid,
                                             minDensity: minDensity, iconSize: size, steps: steps, seed: seed, log: say)
        try comparison.picture().writePNG(to: output)
        if let json {
            let strongest = comparison.strongest()
            func entries(_ cells: [ClassComparison.Cell]) throws -> [Entry] {
                let coordinates = try palette.map { try ClassComparison.paletteCoordinates(of: cells, in: $0) }
                return cells.indices.map { Entry(cell: cells[$0], palette: coordinates?[$0]) }
            }
            let report = Report(a: labels[classA], b: labels[classB], samples: comparison.sampleCount, grid: grid,
                                palette: palette?.folder, towardsA: try entries(strongest.towardsA),
                                towardsB: try entries(strongest.towardsB))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(report)
            if json == "-" { print(String(decoding: data, as: UTF8.self)) } else { try writeAtomically(data, to: json) }
        }
        say("wrote \(output) (\(comparison.cells.count) cells)")
    }

    private struct Report: Encodable {
        let a: String, b: String, samples: Int, grid: Int, palette: String?
        let towardsA: [Entry], towardsB: [Entry]
    }

    /// A listed cell: its place in the comparison, and in the palette when one was given.
    private struct Entry: Encodable {
        let cell: ClassComparison.Cell
        let palette: ClassComparison.PaletteCoordinate?

        func encode(to encoder: Encoder) throws {
            try cell.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(palette, forKey: .palette)
        }

        private enum Key: String, CodingKey { case palette }
    }
}
