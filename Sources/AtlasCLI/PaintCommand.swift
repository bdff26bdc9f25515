import ArgumentParser
import ArrayFiles
import Foundation
import Models
import Optvis
import Paint

/// `atlas paint`: inverts a canvas (a grid of palette brushes) into an image.
struct PaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paint",
        abstract: "Paint with concepts: optimise an image whose activations follow a canvas's grid of brushes.",
        discussion: """
            A canvas file (TOML; docs/canvas-format.md, or `atlas canvas new` for a template) names a \
            palette, draws a grid of characters and says which palette cell, class, photo position or \
            mix each character paints. Each grid cell is one position of the palette's layer (16 px at \
            a stride-16 layer, so a 14x14 canvas is a 224-px image). The image is optimised so that the \
            layer's activation at every painted position points along its brush's whitened vector \
            (the sum of the cosines, or with --objective dot-cosine the icons' dot x cos^power; \
            lucid's FFT image with decorrelated colour), through small jitter and scale that keep \
            the grid sharp. Writes OUT.png, the image, and OUT.sheet.png: the image \
            with the grid and characters, the legend, a heat map of each cell's cosine with its brush \
            and the network's top classes. --json FILE (- for stdout) writes the same numbers. \
            Options given here override the canvas's [settings]; the same seed paints the same image \
            on the same machine.
            """)

    @Argument(help: "The canvas file.")
    var canvas: String

    @Option(name: .shortAndLong, help: "The PNG to write; the sheet goes beside it as NAME.sheet.png.")
    var output: String

    @Option(help: "Optimisation steps (default: the canvas's, else \(PaintOptions.defaultSteps)).")
    var steps: Int?

    @Option(help: "The seed of every random draw (default: the canvas's, else 0).")
    var seed: UInt64?

    @Option(help: "The image's longer side in pixels (default: the canvas's, else the grid times the layer's stride).")
    var size: Int?

    @Option(help: "The power of the cosine in the dot-cosine objective (default: the canvas's, else \(PaintOptions.defaultCosinePower)).")
    var cosinePower: Float?

    @Option(help: "What each painted position maximises: cosine (default) or dot-cosine (the icons' dot x cos^power).")
    var objective: PaintObjective?

    @Option(help: "Adam's learning rate.")
    var learningRate: Float = 0.05

    @Option(help: "Write a JSON report to this file, or - for stdout.")
    var json: String?

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard output.lowercased().hasSuffix(".png") else { throw ValidationError("--output must be a .png file, got \(output)") }
        if let steps, steps < 1 { throw ValidationError("--steps must be positive") }
        if let size, size < 16 { throw ValidationError("--size must be at least 16 pixels") }
        if let cosinePower, !(cosinePower >= 0) { throw ValidationError("--cosine-power must be at least 0") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
    }

    func run() throws {
        let canvas = try Canvas.load(self.canvas)
        let palette = try canvas.loadPalette()
        let network = try self.network.load()
        let resolved = try canvas.resolve(palette: palette, network: network)
        var options = PaintOptions(settings: canvas.settings)
        if let steps { options.steps = steps }
        if let seed { options.seed = seed }
        if let size { options.size = size }
        if let cosinePower { options.cosinePower = cosinePower }
        if let objective { options.objective = objective }
        options.learningRate = learningRate

        let start = Date()
        let report = { (progress: RenderProgress) in
            guard progress.step % 32 == 0 || progress.step == options.steps - 1 else { return }
            let elapsed = Date().timeIntervalSince(start)
            FileHandle.standardError.write(Data(String(format: "step %d/%d objective %.4g (%.1f s)\n", progress.step + 1,
                                                       options.steps, progress.objective[0], elapsed).utf8))
        }
        let painting = try paint(resolved, whitening: palette.whitening, network: network, options: options, progress: report)
        let seconds = Date().timeIntervalSince(start)
        try painting.image.writePNG(to: output)

        let evaluation = try PaintEvaluation(image: painting.image, canvas: resolved, geometry: painting.geometry, network: network,
                                             labels: ImageNetLabels.load())
        let sheetPath = String(output.dropLast(4)) + ".sheet.png"
        let title = canvas.title ?? URL(fileURLWithPath: canvas.path).deletingPathExtension().lastPathComponent
        try PaintSheet.draw(canvas: resolved, painting: painting, evaluation: evaluation, options: options, title: title)
            .writePNG(to: sheetPath)
        if let json {
            let data = try PaintReport(canvas: resolved, model: network.name, painting: painting, evaluation: evaluation,
                                       options: options).json()
            if json == "-" {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            } else {
                try writeAtomically(data, to: json)
            }
        }
        let top = evaluation.top.first.map { "; the network sees \($0.label) " + String(format: "(%.1f%%)", 100 * $0.probability) } ?? ""
        let geometry = painting.geometry
        FileHandle.standardError.write(Data(("wrote \(output) and \(sheetPath) (\(geometry.imageWidth)x\(geometry.imageHeight) px, "
            + String(format: "%d steps in %.1f s, %.1f steps/s): mean cosine %.3f, %.0f%% of cells closest to their own brush",
                     options.steps, seconds, Double(options.steps) / seconds, evaluation.meanCosine, 100 * evaluation.ownBrushWinRate)
            + top + "\n").utf8))
    }
}

extension PaintObjective: ExpressibleByArgument {}
