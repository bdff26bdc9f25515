import ArgumentParser
import Foundation
import Models
import Palette

/// `atlas render`: a palette's atlas picture, or its class view.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Draw a palette as an activation atlas (PNG), or its view of one class; several palettes side by side.",
        discussion: """
            Each kept cell's icon sits on its grid square (cell column,row of palette.json from the top left). \
            The whole atlas fades icons by density, min(1, sqrt(count / mean count)), and labels cells with their \
            most attributed class where the label changes (grey: attribution under \(Palette.reliableAttribution) \
            logit, unreliable). --class "goldfish" sets each icon's opacity to its cell's mean attribution to that \
            class over the largest, as the article's class filter. Several palettes (the layers of one \
            network) are drawn side by side, each at --size (default 448): with --class, the article's \
            figure of one class followed through the layers.
            """)

    @Argument(help: "The palette folder, or several (drawn side by side).")
    var palettes: [String]

    @Option(name: .shortAndLong, help: "The PNG to write.")
    var output: String

    @Option(name: .customLong("class"), help: "An ImageNet class (a label or one of its synonyms) for the class view.")
    var className: String?

    @Option(parsing: .unconditional, help: "The side of the atlas grid in pixels (default: grid x icon size).")
    var size: Int?

    @Option(help: "Refuse unless the palette is of this layer.")
    var layer: String?

    func validate() throws {
        guard !palettes.isEmpty else { throw ValidationError("give at least one palette folder") }
        if palettes.count > 1, layer != nil { throw ValidationError("--layer checks one palette; several were given") }
    }

    func run() throws {
        let labels = try ImageNetLabels.load()
        let focus = try className.map { name in
            let index = try ClassLookup.resolve(name, labels: labels)
            return (index: index, label: labels[index])
        }
        if palettes.count > 1 {
            let loaded = try palettes.map { try Palette.load($0) }
            try AtlasComparison(palettes: loaded, side: size ?? 448, focus: focus).draw().writePNG(to: output)
            let notes = loaded.compactMap { palette in palette.unreliableLabelsWarning.map { "\nnote: \(palette.folder): \($0)" } }
            FileHandle.standardError.write(Data("wrote \(output) (\(loaded.count) palettes side by side)\(notes.joined())\n".utf8))
            return
        }
        let palette = try Palette.load(palettes[0])
        if let layer { try palette.check(model: palette.description.model, layer: layer) }
        try AtlasPicture(palette: palette, side: size, focus: focus).draw().writePNG(to: output)
        var note = ""
        if let warning = palette.unreliableLabelsWarning { note = "\nnote: \(warning)" }
        FileHandle.standardError.write(Data("wrote \(output) (\(palette.description.cells.count) cells)\(note)\n".utf8))
    }
}
