import Analysis
import ArgumentParser
import Dataset
import Foundation
import Models
import Palette

/// `atlas patch-test`: does an atlas icon, pasted on photos, turn the network's answer?
struct PatchTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch-test",
        abstract: "Paste an atlas cell's icon on photos and count how often the network's answer becomes its class.",
        discussion: """
            The article's adversarial patches: the icon of a palette cell (rendered at the patch's \
            size as the atlas icons are; by default the cell with the largest mean attribution to \
            --to, less --from's) is pasted at a corner of every photo of --images (prepared as the \
            network's 224-px input), and the photos whose top-1 becomes --to are counted. Photos \
            whose top-1 is already --to are left out; with --from only photos whose top-1 is --from \
            are patched. The control is a patch of uniform random noise of the same size and place. \
            --corner best tries the four corners; --sweep tries sizes 0.1 to 0.5 at every corner, as \
            the article did. With --json the last line is {"images": N, "flip_rate": f, \
            "noise_flip_rate": g, "size": s, "corner": "..."} (the best when several are tried). \
            Progress goes to stderr; photos that fail to decode are reported and skipped.
            """)

    @Option(help: "A folder of photos (JPEG, PNG, WebP; searched recursively).")
    var images: String

    @Option(help: "The class the patch should turn photos to (a label or any of its synonyms).")
    var to: String

    @Option(help: "Only patch photos whose top-1 is this class.")
    var from: String?

    @Option(help: "The palette whose cell makes the patch.")
    var palette: String

    @Option(help: "auto (the cell most attributed to --to, less --from) or a cell as column,row of the atlas.")
    var patch = "auto"

    @Option(name: .customLong("cell"), help: "The cell as column,row of the atlas (the same as --patch column,row).")
    var cellOption: String?

    @Option(parsing: .unconditional, help: "The patch's side as a share of the photo's side, in (0, 1).")
    var size = 0.3

    @Option(help: "tl, tr, bl, br, or best (the best of the four).")
    var corner = "br"

    @Flag(help: "Try sizes 0.1, 0.2, 0.3, 0.4, 0.5 at every corner.")
    var sweep = false

    @Option(parsing: .unconditional, help: "Optimisation steps of the icon.")
    var steps = 256

    @Option(help: "Write the patch (the icon at the largest size tried) to this PNG.")
    var patchImage: String?

    @Flag(help: "End with one JSON line of the result.")
    var json = false

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard size > 0, size < 1 else { throw ValidationError("--size is a share of the photo's side, in (0, 1); got \(size)") }
        guard corner == "best" || PatchCorner(rawValue: corner) != nil else {
            throw ValidationError("--corner must be tl, tr, bl, br or best, got \(corner)")
        }
        guard patch == "auto" || cellOption == nil else { throw ValidationError("give --patch column,row or --cell, not both") }
        guard (cellOption ?? patch) == "auto" || cell != nil else {
            throw ValidationError("--patch must be auto or column,row (and --cell column,row), got \(cellOption ?? patch)")
        }
        guard (1...100_000).contains(steps) else { throw ValidationError("--steps must be 1 to 100000") }
    }

    private var cell: (column: Int, row: Int)? {
        let parts = (cellOption ?? patch).split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    func run() throws {
        let labels = try network.labels()
        let target = try ClassLookup.resolve(to, labels: labels)
        let source = try from.map { try ClassLookup.resolve($0, labels: labels) }
        let palette = try Palette.load(self.palette)
        let network = try self.network.load()
        try palette.check(model: network.name)
        let cellIndex: Int
        if let cell {
            guard let index = palette.cell(column: cell.column, row: cell.row) else {
                throw ValidationError("\(self.palette) has no kept cell [\(cell.column), \(cell.row)]")
            }
            cellIndex = index
        } else {
            cellIndex = try PatchTest.bestCell(palette: palette, target: target, source: source)
        }
        let summary = palette.description.cells[cellIndex]
        let say = { (text: String) in FileHandle.standardError.write(Data((text + "\n").utf8)) }
        say("patch: cell [\(summary.column), \(summary.row)] \(summary.label) of \(palette.folder), towards \(labels[target])"
            + (source.map { " from \(labels[$0])" } ?? ""))
        let paths = try ImageCollection.list(images).map(\.path)
        let test = try PatchTest(photos: paths, network: network, target: target, source: source) { path, error in
            say("skipped \(path): \(error)")
        }
        say("\(test.photos.count) of \(paths.count) photos to patch")
        let sizes = sweep ? [0.1, 0.2, 0.3, 0.4, 0.5] : [size]
        let corners = sweep || corner == "best" ? PatchCorner.allCases : [PatchCorner(rawValue: corner)!]
        let side = Int((sizes.max()! * Double(network.inputSize)).rounded())
        let icon = try PatchTest.patch(ofCell: cellIndex, palette: palette, network: network, side: side, steps: steps)
        if let patchImage { try icon.writePNG(to: patchImage) }
        var best: PatchOutcome?
        for size in sizes {
            for corner in corners {
                let outcome = try test.run(patch: icon, size: size, corner: corner)
                print(String(format: "size %.2f corner %@: %d photos, %.1f%% flipped to %@ (noise patch: %.1f%%)", size,
                             corner.rawValue, outcome.images, 100 * outcome.flipRate, labels[target], 100 * outcome.noiseFlipRate))
                if best == nil || outcome.flipRate > best!.flipRate { best = outcome }
            }
        }
        if json, let best {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(best), as: UTF8.self))
        }
    }
}
