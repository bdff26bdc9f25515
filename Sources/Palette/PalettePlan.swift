import Foundation
import Collect
import Optvis

/// A palette before its icons: the grid's kept cells with their mean vectors, counts and class
/// attributions, from a laid-out sample set (ALGORITHMS.md section 5).
public struct PalettePlan: Sendable {
    public let description: PaletteDescription
    /// [cells, channels]: each kept cell's mean raw activation.
    public let vectors: [Float]
    public let whitening: Whitening
    /// [samples, 2]: the normalised layout.
    public let layout: [Float]
    /// [cells, attributedClasses]: each cell's mean attribution to the classes in
    /// `description.attributedClasses`.
    public let attributions: [Float]

    /// Grids the normalised `layout` of `samples`, keeps the dense cells and summarises each.
    public init(samples: SampleSet, layout: [Float], whitening: Whitening, labels: [String],
                options: PaletteBuildOptions) throws {
        let header = samples.header
        guard layout.count == samples.count * 2 else {
            throw PaletteError("a layout of \(layout.count / 2) points for \(samples.count) samples")
        }
        guard header.layerHeight > 0, samples.count > 0 else {
            throw PaletteError("the collection of \(header.layer) holds no samples")
        }
        let grid = try AtlasGrid(layout: layout, size: options.grid)
        let kept = grid.keptCells(minDensity: options.minDensity)
        guard !kept.isEmpty else {
            let densest = grid.members.map(\.count).max() ?? 0
            throw PaletteError("no cell of the \(options.grid)x\(options.grid) grid holds \(options.minDensity) samples (the densest "
                + "holds \(densest) of \(samples.count)): lower --min-density or --grid, or collect more samples")
        }
        let channels = samples.channels
        var vectors: [Float] = [], classAttributions: [[Float]] = [], cells: [PaletteCell] = []
        for cell in kept {
            vectors += CellSummary.meanVector(of: cell.members, activations: samples.activations, channels: channels)
            let attributions = try CellSummary.meanAttributions(of: cell.members, classes: samples.classes,
                                                                attributions: samples.attributions, topK: samples.topK,
                                                                classCount: labels.count)
            classAttributions.append(attributions)
            cells.append(PaletteCell(column: cell.column, row: cell.row, count: cell.members.count,
                                     classes: CellSummary.topClasses(attributions, labels: labels, count: options.topClasses),
                                     icon: Self.iconPath(column: cell.column, row: cell.row)))
        }
        let attributed = (0..<labels.count).filter { c in classAttributions.contains { $0[c] > 0 } }
        attributions = classAttributions.flatMap { row in attributed.map { row[$0] } }
        description = PaletteDescription(
            format: PaletteDescription.currentFormat, model: header.model, weightsSHA256: header.weightsSHA256,
            layer: header.layer, channels: channels, stride: header.inputSize / header.layerHeight, grid: options.grid,
            samples: samples.count, images: header.images.count, imagesSHA256: header.imagesSHA256, seed: options.seed,
            parameters: options.parameters, cells: cells, attributedClasses: attributed)
        (self.vectors, self.whitening, self.layout) = (vectors, whitening, layout)
    }

    /// The icon of a cell, relative to the palette folder.
    public static func iconPath(column: Int, row: Int) -> String {
        "icons/" + String(format: "%02d-%02d.png", column, row)
    }

    /// The palette these files make in `folder`.
    public func palette(in folder: String) throws -> Palette {
        try Palette(folder: folder, description: description, vectors: vectors, whitening: whitening)
    }
}
