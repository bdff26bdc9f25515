import ArrayFiles
import Collect
import Foundation
import Imaging
import Palette

/// Exemplar crops of atlas cells: the photo patches whose activations lie nearest a cell's mean
/// (by cosine), one per photo, cut from the photos of the collection the palette was built from. Only samples
/// of each photo's first view (the photo itself) are shown: an augmented view's crop is drawn at
/// random and not recorded.
final class ExemplarSource: Sendable {
    /// How many crops a cell shows, and their side in layer cells and in pixels.
    static let perCell = 4
    static let cropCells = 4
    static let cropPixels = 128

    private let headers: [(folder: String, header: CollectionHeader)]
    private let samples = Memo<String, SampleSet>()
    private let grids = Memo<String, AtlasGrid>()
    private let photoViews = Memo<String, [Bool]>()
    private let crops = Memo<String, Data>()

    init(collectionFolders: [String]) throws {
        headers = try collectionFolders.map { ($0, try SampleSet.readHeader($0)) }
    }

    /// The collection `entry`'s palette was built from, if one was given: same model, checkpoint,
    /// layer and photos, and as many samples.
    func collection(of entry: StudioCatalog.PaletteEntry) -> (folder: String, header: CollectionHeader)? {
        let d = entry.description
        return headers.first { _, h in
            h.model == d.model && h.weightsSHA256 == d.weightsSHA256 && h.layer == d.layer && h.imagesSHA256 == d.imagesSHA256
                && h.shards.reduce(0, { $0 + $1.samples }) == d.samples
        }
    }

    /// The samples of cell `index` of the palette nearest its mean, best first: (image, layer row, layer column).
    func nearest(cell index: Int, of entry: StudioCatalog.PaletteEntry, palette: Palette) throws -> [(image: Int, row: Int, column: Int)] {
        guard let (folder, _) = collection(of: entry) else { return [] }
        let set = try samples.value(folder) { try SampleSet.load(folder) }
        let grid = try grids.value(entry.id) {
            let layout = try NPY.read(entry.folder + "/" + Palette.layoutFile)
            guard layout.shape == [set.count, 2] else {
                throw StudioError(.internalServerError, "\(entry.folder)/\(Palette.layoutFile): expected [\(set.count), 2], got \(layout.shape)")
            }
            return try AtlasGrid(layout: layout.values, size: entry.description.grid)
        }
        // A photo's samples come view by view, `perImage` each, the photo itself first.
        let firstView = photoViews.value(folder) {
            var seen: [Int: Int] = [:]
            return (0..<set.count).map { sample in
                let image = set.origins[3 * sample]
                defer { seen[image, default: 0] += 1 }
                return seen[image, default: 0] < set.header.perImage
            }
        }
        let cell = entry.description.cells[index]
        let mean = palette.vector(ofCell: index), channels = set.channels
        let meanNorm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let scored = grid.members[cell.row * grid.size + cell.column].filter { firstView[$0] }.map { sample -> (sample: Int, cosine: Float) in
            let row = set.activations[sample * channels..<(sample + 1) * channels]
            var (dot, norm) = (Float(0), Float(0))
            for (a, b) in zip(row, mean) { dot += a * b; norm += a * a }
            return (sample, dot / max(norm.squareRoot() * meanNorm, 1e-12))
        }
        // The best sample of each photo, then the best photos: four crops of four photos.
        var seenPhotos: Set<Int> = []
        var best: [(image: Int, row: Int, column: Int)] = []
        for (sample, _) in scored.sorted(by: { $0.cosine > $1.cosine }) where best.count < Self.perCell {
            let origin = 3 * sample
            if seenPhotos.insert(set.origins[origin]).inserted {
                best.append((set.origins[origin], set.origins[origin + 1], set.origins[origin + 2]))
            }
        }
        return best
    }

    /// The `k`-th crop of cell `index`, a PNG: the photo as the collection saw it, cut around the
    /// sample's position (`cropCells` layer cells a side), shown at `cropPixels`.
    func crop(_ k: Int, cell index: Int, of entry: StudioCatalog.PaletteEntry, palette: Palette) throws -> Data {
        try crops.value("\(entry.id) \(index) \(k)") {
            let found = try nearest(cell: index, of: entry, palette: palette)
            guard k < found.count, let (_, header) = collection(of: entry) else { throw StudioError.notFound("exemplar \(k)") }
            let (image, row, column) = found[k]
            let view = try decodeImage(at: header.images[image].path).torchvisionView(side: header.inputSize)
            let stride = header.inputSize / header.layerWidth, side = Self.cropCells * stride
            let x = min(max((column * stride + stride / 2) - side / 2, 0), view.width - side)
            let y = min(max((row * stride + stride / 2) - side / 2, 0), view.height - side)
            return try view.cropped(x: x, y: y, width: side, height: side)
                .resized(width: Self.cropPixels, height: Self.cropPixels).pngData()
        }
    }
}
