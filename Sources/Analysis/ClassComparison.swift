import Collect
import Foundation
import Imaging
import Layout
import Models
import Optvis
import Palette
import Render
import Tensor

/// The article's two-class comparison (ALGORITHMS.md 7): the samples attributed to either of two
/// classes, placed by x = their attribution to A less their attribution to B (normalised by the
/// 99th percentile of its absolute value, clipped to [-1, 1]: right pulls towards A, left towards
/// B) and y = a 1-D t-SNE of their whitened activations (perplexity 50, learning rate 10,
/// cosine), gridded; each dense cell's mean activation rendered as an icon.
public struct ClassComparison {
    public struct Cell: Sendable, Codable {
        public let column: Int
        public let row: Int
        public let count: Int
        /// The cell's mean normalised attribution difference: +1 pulls hardest towards A.
        public let pull: Float
        /// The mean activation (unwhitened).
        public let vector: [Float]
    }

    public let classes: (a: Int, b: Int)
    public let labels: (a: String, b: String)
    public let grid: Int
    /// The samples compared, and each one's (x in [-1, 1], y in [0, 1]).
    public let sampleCount: Int
    public let positions: [(x: Float, y: Float)]
    /// The kept cells (at least `minDensity` samples), and their icons in the same order.
    public let cells: [Cell]
    public let icons: [RGBImage]

    /// Compares classes `a` and `b` over `samples`. `minDensity`: the fewest samples a cell needs.
    public init(samples: SampleSet, a: Int, b: Int, labels: [String], network: some DifferentiableLayerModel, grid: Int = 10,
                minDensity: Int = 3, iconSize: Int = 48, steps: Int = 128, seed: UInt64 = 0,
                log: (String) -> Void = { _ in }) throws {
        guard a != b else { throw AnalysisError("compare two different classes, got \(labels[a]) twice") }
        guard grid >= 2, minDensity >= 1 else { throw AnalysisError("the grid needs at least 2 cells a side and a density of at least 1") }
        let (c, k) = (samples.channels, samples.topK)
        func attribution(_ sample: Int, _ cls: Int) -> Float {
            (0..<k).first { samples.classes[sample * k + $0] == cls }.map { max(0, samples.attributions[sample * k + $0]) } ?? 0
        }
        let chosen = (0..<samples.count).filter { attribution($0, a) > 0 || attribution($0, b) > 0 }
        for (cls, label) in [(a, labels[a]), (b, labels[b])] where !chosen.contains(where: { attribution($0, cls) > 0 }) {
            throw AnalysisError("no sample of the collection is attributed to '\(label)'")
        }
        guard chosen.count >= 10 else { throw AnalysisError("only \(chosen.count) samples are attributed to either class: too few to compare") }
        log("\(chosen.count) of \(samples.count) samples attributed to \(labels[a]) or \(labels[b])")
        // x: the attribution difference, normalised by its 99th percentile of |x|.
        let differences = chosen.map { attribution($0, a) - attribution($0, b) }
        let magnitudes = differences.map(abs).sorted()
        let scale = max(magnitudes[min(magnitudes.count - 1, Int(0.99 * Double(magnitudes.count)))], 1e-12)
        let xs = differences.map { min(1, max(-1, $0 / scale)) }
        // y: a 1-D t-SNE of the whitened activations (whitened with the whole collection's matrix).
        let activations = chosen.flatMap { samples.activations[$0 * c..<($0 + 1) * c] }
        let whitening = try Whitening(activations: Tensor(shape: [samples.count, c], values: samples.activations))
        var options = TSNEOptions()
        (options.dimensions, options.perplexity, options.learningRate, options.metric, options.seed) = (1, 50, 10, .cosine, seed)
        let embedding = try TSNE.embed(try Points(count: chosen.count, dimension: c,
                                                  values: LayoutWhitening.whiten(activations, with: whitening)), options: options)
        let sorted = embedding.values.sorted()
        let (low, high) = (sorted[Int(0.01 * Double(sorted.count))], sorted[min(sorted.count - 1, Int(0.99 * Double(sorted.count)))])
        let ys = embedding.values.map { high > low ? min(1, max(0, ($0 - low) / (high - low))) : 0.5 }
        // The grid: cell (column, row) from x in [-1, 1] (left: B) and y in [0, 1] (top: 0).
        var members = [[Int]](repeating: [], count: grid * grid)
        for i in chosen.indices {
            let column = min(grid - 1, Int((xs[i] + 1) / 2 * Float(grid)))
            let row = min(grid - 1, Int(ys[i] * Float(grid)))
            members[row * grid + column].append(i)
        }
        var cells: [Cell] = []
        for (index, group) in members.enumerated() where group.count >= minDensity {
            var mean = [Float](repeating: 0, count: c)
            for i in group {
                for j in 0..<c { mean[j] += activations[i * c + j] / Float(group.count) }
            }
            cells.append(Cell(column: index % grid, row: index / grid, count: group.count,
                              pull: group.reduce(0) { $0 + xs[$1] } / Float(group.count), vector: mean))
        }
        guard !cells.isEmpty else {
            throw AnalysisError("no cell of the \(grid)x\(grid) grid holds \(minDensity) samples of the \(chosen.count): "
                + "use a smaller grid or density")
        }
        log("grid \(grid)x\(grid): \(cells.count) cells hold at least \(minDensity) samples; rendering their icons")
        let renderer = IconRenderer(layer: samples.header.layer, whitening: whitening, size: iconSize, steps: steps, attempts: 1,
                                    cossimPower: 4)
        var icons: [RGBImage] = []
        for start in stride(from: 0, to: cells.count, by: 25) {
            let batch = cells[start..<min(start + 25, cells.count)].map(\.vector)
            icons += try renderer.render(batch, model: network, seed: seed &+ UInt64(start)).icons
            log("icons \(icons.count)/\(cells.count)")
        }
        (self.classes, self.labels, self.grid) = ((a, b), (labels[a], labels[b]), grid)
        (self.sampleCount, self.positions, self.cells, self.icons) = (chosen.count, Array(zip(xs, ys)), cells, icons)
    }

    /// The cells that pull hardest towards A (largest mean x) and towards B (smallest), `count` each.
    public func strongest(_ count: Int = 5) -> (towardsA: [Cell], towardsB: [Cell]) {
        let ordered = cells.sorted { $0.pull > $1.pull }
        return (Array(ordered.prefix(count).filter { $0.pull > 0 }), Array(ordered.reversed().prefix(count).filter { $0.pull < 0 }))
    }

    /// Where a comparison cell's vector sits in a palette: the palette cell nearest it by the
    /// cosine of whitened vectors, with that cell's most attributed class.
    public struct PaletteCoordinate: Sendable, Codable {
        public let column: Int
        public let row: Int
        public let cosine: Float
        public let label: String?
    }

    /// Each of `cells`' palette coordinates in `palette` (of the same model and layer).
    public static func paletteCoordinates(of cells: [Cell], in palette: Palette) throws -> [PaletteCoordinate] {
        let neighbours = try PaletteNeighbours(palette: palette, cells: Array(palette.description.cells.indices))
        return try cells.map { cell in
            let (index, cosine) = try neighbours.nearest(to: cell.vector)
            let found = palette.description.cells[index]
            return PaletteCoordinate(column: found.column, row: found.row, cosine: cosine, label: found.classes.first?.label)
        }
    }

    /// The comparison picture: the icons at their cells, B on the left, A on the right.
    public func picture() throws -> Drawing {
        let margin = 16.0, cellSide = max(40, (640 / Double(grid)).rounded(.down)), top = 64.0
        let side = cellSide * Double(grid)
        let drawing = try Drawing(width: Int(side + 2 * margin), height: Int(top + side + 40 + margin))
        drawing.text("\(labels.b)  vs  \(labels.a)", x: margin, y: 26, size: 18, bold: true, maxWidth: side)
        drawing.text("\(sampleCount) samples; x: attribution to \(ClassLookup.shortName(labels.a)) less \(ClassLookup.shortName(labels.b)) "
                     + "(normalised); y: 1-D t-SNE of the activations", x: margin, y: 46, size: 12, colour: .grey, maxWidth: side)
        let densest = Double(cells.map(\.count).max() ?? 1)
        for (cell, icon) in zip(cells, icons) {
            let opacity = min(1, Double(cell.count) / densest * 2)
            drawing.draw(icon, x: margin + Double(cell.column) * cellSide, y: top + Double(cell.row) * cellSide, width: cellSide - 1,
                         height: cellSide - 1, opacity: max(0.35, opacity))
        }
        drawing.line(from: (margin + side / 2, top), to: (margin + side / 2, top + side), colour: .grey, lineWidth: 1, opacity: 0.6)
        drawing.text("← \(ClassLookup.shortName(labels.b))", x: margin, y: top + side + 24, size: 14, bold: true)
        let right = "\(ClassLookup.shortName(labels.a)) →"
        drawing.text(right, x: margin + side - drawing.textWidth(right, size: 14, bold: true), y: top + side + 24, size: 14, bold: true)
        return drawing
    }
}
