import ArgumentParser
import Foundation
import Imaging
import InvertedFile
import Models
import Paint
import Palette
import Search
import SearchArguments

/// `atlas search`: rank indexed photos by how well a drawn grid of concepts matches in them.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find the indexed photos where a drawn grid of concepts appears, and where.",
        discussion: """
            The query is a canvas file (the painting format; free cells match anything), one brush \
            (--brush LABEL --palette P: the palette cell most attributed to that ImageNet class), or a \
            region of a photo's own activation grid (--image PHOTO --region R0,C0,R1,C1: rows R0..<R1, \
            columns C0..<C1). A photo's score is the best, over every offset of the query in its grid \
            and every indexed scale, of the mean cosine between the query's set cells and the aligned \
            activations. The ranking is printed as `score  row,col  scale  path` (row, col: where the \
            query's top-left cell lies); --json prints one JSON object per hit instead. -o draws a \
            contact sheet of the hits with the matched region outlined. The index refuses queries from \
            another model, checkpoint or layer.

            The index is read where it lies (memory-mapped). An index with an inverted file (`atlas index \
            ivf`, for large indexes) is searched in two stages: each query cell's --per-cell nearest \
            positions in --probe lists give candidate photos, and the --candidates best of them are \
            scored exactly, as a full scan scores them. --exhaustive scores every photo instead. An \
            inverted file older than its index is reported and not used.
            """)

    @Argument(help: "A canvas file to search with.")
    var canvas: String?

    @Option(help: "Search with one brush: an ImageNet class, by label or synonym (needs --palette).")
    var brush: String?

    @Option(help: "The palette for --brush.")
    var palette: String?

    @Option(help: "Search with a region of this photo's activation grid (with --region).")
    var image: String?

    @Option(help: "The region of --image's grid: first row, first column, end row, end column (end-exclusive).")
    var region: String?

    @Option(parsing: .unconditional, help: "The input side --image is seen at (default: the index's first scale).")
    var scale: Int?

    @Option(help: "The index folder (`atlas index build`); repeat it to search several at once (the parts of a sharded index).")
    var index: [String]

    @Option(parsing: .unconditional, help: "How many hits to show.")
    var top = 12

    @Flag(help: "Score every photo, even where the index has an inverted file.")
    var exhaustive = false

    @OptionGroup var inverted: InvertedSearchOptions

    @Flag(help: "Print one JSON object per hit: {\"image\": path, \"score\": s, \"row\": r, \"col\": c}.")
    var json = false

    @Option(name: .shortAndLong, help: "A PNG contact sheet of the hits to write.")
    var output: String?

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        let kinds = [canvas != nil, brush != nil, image != nil].filter { $0 }.count
        guard !index.isEmpty else { throw ValidationError("give --index: the index to search (repeat it for several)") }
        guard kinds == 1 else { throw ValidationError("give exactly one query: a canvas file, --brush or --image") }
        if brush != nil && palette == nil { throw ValidationError("--brush needs --palette") }
        if (image != nil) != (region != nil) { throw ValidationError("--image and --region go together") }
        if scale != nil && image == nil { throw ValidationError("--scale applies to --image only") }
        guard top > 0 else { throw ValidationError("--top must be positive, got \(top)") }
        if region != nil { _ = try regionBounds() }
    }

    /// --region as (R0, C0, R1, C1), checked: four integers with 0 <= R0 < R1 and 0 <= C0 < C1
    /// (the grid's own size is checked once the photo's grid is known).
    private func regionBounds() throws -> (rows: Range<Int>, columns: Range<Int>) {
        let text = region ?? ""
        let bounds = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard bounds.count == 4, let r0 = bounds[0], let c0 = bounds[1], let r1 = bounds[2], let c1 = bounds[3] else {
            throw ValidationError("--region takes four integers R0,C0,R1,C1 (rows R0..<R1, columns C0..<C1), got '\(text)'")
        }
        guard r0 >= 0, c0 >= 0, r1 > r0, c1 > c0 else {
            throw ValidationError("--region \(text): rows \(r0)..<\(r1) and columns \(c0)..<\(c1) must be non-empty and not negative "
                + "(R0 < R1, C0 < C1)")
        }
        return (r0..<r1, c0..<c1)
    }

    func run() throws {
        let mapped = try index.map { try MappedIndex($0) }
        let manifest = mapped[0].manifest
        for (folder, other) in zip(index, mapped).dropFirst() {
            try manifest.origin.check(other.origin, what: folder, index: index[0])
        }
        // The query first: a bad one is refused before a full scan's checksum pass reads every shard.
        let (query, title) = try makeQuery(manifest)
        let searched = try mapped.map {
            try InvertedSearch.searcher(for: $0, exhaustive: exhaustive, settings: inverted.settings) {
                FileHandle.standardError.write(Data(($0 + "\n").utf8))
            }
        }
        let hits = try search(query, in: searched, top: top)
        let photos = mapped.reduce(0) { $0 + $1.imageCount }
        for hit in hits {
            if json {
                print(SearchOutput.jsonLine(hit))
            } else {
                print(String(format: "%.4f  %3d,%-3d  %4d  ", hit.score, hit.row, hit.column, hit.side) + hit.path)
            }
        }
        fflush(nil)  // the ranking before stderr's messages
        if hits.isEmpty {
            let reason = photos == 0 ? "\(index.joined(separator: ", ")) holds no photos yet"
                : "no indexed photo has a grid as large as the \(query.rows) x \(query.columns) query"
            FileHandle.standardError.write(Data((reason + "\n").utf8))
        }
        if let output {
            try ContactSheet.draw(hits, queryRows: query.rows, queryColumns: query.columns, stride: manifest.origin.stride,
                                  title: title).writePNG(to: output)
            FileHandle.standardError.write(Data("wrote \(output) (\(hits.count) hits)\n".utf8))
        }
    }

    /// The query and a title for the contact sheet.
    private func makeQuery(_ manifest: IndexManifest) throws -> (GridQuery, String) {
        if let brush, let palette {
            let loaded = try Palette.load(palette)
            try manifest.origin.check(palette: loaded, index: index[0])
            return (try GridQuery.brush(brush, palette: loaded, labels: ImageNetLabels.load()), "brush \"\(brush)\"")
        }
        if let canvas {
            let parsed = try Canvas.load(canvas)
            let loaded = try parsed.loadPalette()
            try manifest.origin.check(palette: loaded, index: index[0])
            let needsNetwork = parsed.brushes.contains { $0.source.needsNetwork }
            let resolved = try parsed.resolve(palette: loaded, network: needsNetwork ? network.load() : nil)
            return (try GridQuery(canvas: resolved), parsed.title ?? URL(fileURLWithPath: canvas).lastPathComponent)
        }
        let bounds = try regionBounds()
        let side = scale ?? manifest.scales[0]
        let loaded = try network.load()
        let sha = try network.checkpointSHA256()
        let source = try NetworkGridSource(network: loaded, layer: manifest.origin.layer, weightsSHA256: sha)
        try manifest.origin.check(source.origin, what: "the loaded network", index: index[0])
        let photo = try decodeImage(at: image!)
        let grid = try source.grids(of: [IndexView.fitted(photo, side: side)], side: side)[0]
        let query = try grid.region(rows: bounds.rows, columns: bounds.columns)
        return (query, "\(URL(fileURLWithPath: image!).lastPathComponent) rows \(bounds.rows.lowerBound)..<\(bounds.rows.upperBound), "
            + "columns \(bounds.columns.lowerBound)..<\(bounds.columns.upperBound)")
    }
}
