import Analysis
import ArgumentParser
import ArrayFiles
import Foundation
import Palette

/// `atlas grid`: one photo's activation grid, visualised, and read in a palette's vocabulary.
struct GridCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "One photo's activation grid: every position of a layer visualised, and read as palette cells.",
        discussion: """
            The photo is prepared as the network's input (resized and centre-cropped to 224 px) and \
            its activation at --layer is taken at every position (14x14 at features.13). Each \
            position's vector is rendered as a feature visualisation, as the atlas icons are (the \
            direction objective dot x cos^4 at the layer's centre; whitened with --palette's matrix), \
            one icon per position in batches, and drawn at its place beside the photo. With \
            --palette each position is also labelled with its nearest palette cell (cosine of the \
            whitened vectors), and --canvas writes that reading as a canvas that `atlas paint` \
            repaints: the photo in the palette's words.
            """)

    @Argument(help: "The photo (JPEG, PNG or WebP).")
    var photo: String

    @Option(help: "The layer, as `atlas layers` names it (default: the palette's layer).")
    var layer: String?

    @Option(help: "A palette of the same network and layer: whitens the icons and names each position's nearest cell.")
    var palette: String?

    @Option(parsing: .unconditional, help: "The side of each position's icon in pixels.")
    var size = 48

    @Option(parsing: .unconditional, help: "Optimisation steps per icon.")
    var steps = 128

    @Option(parsing: .unconditional, help: "Icons rendered together in one batch.")
    var batch = 49

    @Option(parsing: .unconditional, help: "The seed of every random draw.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "The PNG to write.")
    var output: String

    @Option(help: "With --palette: write the palette's reading of the photo as a canvas file here.")
    var canvas: String?

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard output.lowercased().hasSuffix(".png") else { throw ValidationError("--output must be a .png file, got \(output)") }
        guard (16...512).contains(size), (1...100_000).contains(steps), (1...256).contains(batch) else {
            throw ValidationError("--size must be 16 to 512 pixels, --steps 1 to 100000, --batch 1 to 256")
        }
        guard layer != nil || palette != nil else { throw ValidationError("give --layer, or --palette (whose layer is used)") }
        if canvas != nil, palette == nil { throw ValidationError("--canvas needs --palette: the canvas's brushes are its cells") }
        if let canvas, !canvas.hasSuffix(".canvas") { throw ValidationError("--canvas must be a .canvas file, got \(canvas)") }
    }

    func run() throws {
        let palette = try self.palette.map { try Palette.load($0) }
        let layer = self.layer ?? palette!.description.layer
        let network = try self.network.load()
        let start = Date()
        let grid = try PhotoActivationGrid(photo: photo, layer: layer, network: network, palette: palette, iconSize: size,
                                           steps: steps, batch: batch, seed: seed) { done, total in
            FileHandle.standardError.write(Data(String(format: "icons %d/%d (%.1f s)\n", done, total,
                                                       Date().timeIntervalSince(start)).utf8))
        }
        let name = URL(fileURLWithPath: photo).lastPathComponent
        if let canvas, let palette, let folder = self.palette {
            let canvasFolder = URL(fileURLWithPath: canvas).deletingLastPathComponent().path
            let text = try grid.canvasText(palette: palette, paletteReference: relativePath(of: folder, from: canvasFolder),
                                           photoName: name, canvasName: canvas)
            try writeAtomically(Data(text.utf8), to: canvas)
        }
        try grid.picture(title: "\(name) at \(layer)", palette: palette).writePNG(to: output)
        let read = palette.map { palette in
            (try? grid.reading(palette: palette)).map { "; the palette reads it with \($0.cells.count) cells" } ?? ""
        } ?? ""
        FileHandle.standardError.write(Data(("wrote \(output)" + (canvas.map { " and \($0)" } ?? "")
            + String(format: " (%dx%d positions in %.1f s)", grid.rows, grid.columns, Date().timeIntervalSince(start)) + read + "\n").utf8))
    }
}
