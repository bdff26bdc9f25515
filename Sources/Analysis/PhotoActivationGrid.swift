import Foundation
import Imaging
import Models
import Optvis
import Palette
import Tensor

/// One photo's activation grid (the article's first figure, ALGORITHMS.md 8): the layer's
/// activation at every position of the photo, each rendered as a feature visualisation (an icon:
/// the atlas icons' objective on that position's vector, whitened when a palette gives the
/// matrix), so the grid shows how the network sees each part of the photo. With a palette each
/// position is also read in the palette's vocabulary: its nearest palette cell (cosine of the
/// whitened vectors), which `canvasText` writes as a canvas that `atlas paint` repaints.
///
/// Each position is its own icon, optimised separately (in batches), as lucid's activation grid
/// renders one image per cell; inverting every position in one image instead "decoheres"
/// (ALGORITHMS.md 12).
public struct PhotoActivationGrid: Sendable {
    public let layer: String
    public let rows: Int
    public let columns: Int
    /// The photo as the network saw it (resized and centre-cropped to its input).
    public let photo: RGBImage
    /// rows x columns activation vectors (unwhitened), row by row.
    public let vectors: [[Float]]
    /// rows x columns icons, row by row.
    public let icons: [RGBImage]
    /// With a palette: each position's nearest palette cell (an index into its cells) and the
    /// cosine with it.
    public let nearest: [(cell: Int, cosine: Float)]?

    /// Computes the grid of `photoPath` at `layer`. `palette`, when given, must be of the
    /// network and layer; its whitening whitens the icons' objective and the nearest-cell search.
    /// `progress` is called after each batch of icons with (done, total).
    public init(photo photoPath: String, layer: String, network: Network, palette: Palette?, iconSize: Int = 48,
                steps: Int = 128, batch: Int = 49, seed: UInt64 = 0, progress: ((Int, Int) -> Void)? = nil) throws {
        guard iconSize >= 16, steps > 0, batch > 0 else {
            throw AnalysisError("icons need a size of at least 16 px and positive steps and batch, got \(iconSize), \(steps), \(batch)")
        }
        _ = try network.layer(named: layer)
        if let palette {
            try palette.check(model: network.name, layer: layer)
        }
        let input = try network.input(for: [try decodeImage(at: photoPath)], names: [photoPath], resizing: .torchvision)
        let activation = try network.forward(input, to: [layer])[0]
        guard activation.rank == 4 else {
            throw AnalysisError("layer \(layer) has no spatial grid (its activation is \(activation.shape)): pick a layer `atlas layers` lists with a size above 1x1")
        }
        let (channels, rows, columns) = (activation.shape[1], activation.shape[2], activation.shape[3])
        let vectors = (0..<rows * columns).map { position in
            (0..<channels).map { activation.values[$0 * rows * columns + position] }
        }
        let whitening = try palette?.whitening ?? Whitening(matrix: Self.identity(channels), channels: channels)
        let renderer = IconRenderer(layer: layer, whitening: whitening, size: iconSize, steps: steps, attempts: 1, cossimPower: 4)
        var icons: [RGBImage] = []
        for start in stride(from: 0, to: vectors.count, by: batch) {
            let end = min(start + batch, vectors.count)
            icons += try renderer.render(Array(vectors[start..<end]), model: network, seed: seed &+ UInt64(start)).icons
            progress?(end, vectors.count)
        }
        (self.layer, self.rows, self.columns, self.vectors, self.icons) = (layer, rows, columns, vectors, icons)
        photo = network.normalization.image(ofInput: input)
        nearest = try palette.map { palette in try Self.nearestCells(vectors, palette: palette) }
    }

    /// Each vector's nearest palette cell by the cosine of whitened vectors.
    static func nearestCells(_ vectors: [[Float]], palette: Palette) throws -> [(cell: Int, cosine: Float)] {
        let cells = try PaletteNeighbours(palette: palette, cells: Array(palette.description.cells.indices))
        return try vectors.map { try cells.nearest(to: $0) }
    }

    private static func identity(_ n: Int) -> [Float] {
        (0..<n * n).map { $0 / n == $0 % n ? 1 : 0 }
    }
}

/// Palette cells, whitened and normalised once, for nearest-cell searches by the cosine of
/// whitened vectors.
struct PaletteNeighbours {
    let palette: Palette
    /// The palette cells searched (indices into its cells), and their whitened unit vectors.
    let cells: [Int]
    let units: [[Float]]

    init(palette: Palette, cells: [Int]) throws {
        (self.palette, self.cells) = (palette, cells)
        units = try cells.map { Self.unit(try palette.whitening.whiten(palette.vector(ofCell: $0))) }
    }

    /// The palette cell among `cells` nearest `vector` (unwhitened), and the cosine.
    func nearest(to vector: [Float]) throws -> (cell: Int, cosine: Float) {
        let v = Self.unit(try palette.whitening.whiten(vector))
        var best = (cell: cells[0], cosine: -Float.infinity)
        for (cell, unit) in zip(cells, units) {
            let cosine = zip(v, unit).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            if cosine > best.cosine { best = (cell, cosine) }
        }
        return best
    }

    private static func unit(_ vector: [Float]) -> [Float] {
        let norm = Float(vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
        return norm > 0 ? vector.map { $0 / norm } : vector
    }
}

/// An analysis that cannot be made.
public struct AnalysisError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
