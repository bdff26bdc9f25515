import ArgumentParser
import ArrayFiles
import Foundation
import Judge
import Models
import Optvis
import Paint
import PaintArguments

/// `atlas paint`: inverts a canvas (a grid of palette brushes) into an image.
struct PaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paint",
        abstract: "Paint with concepts: optimise an image whose activations follow a canvas's grid of brushes.",
        discussion: """
            A canvas file (TOML; docs/canvas-format.md, or `atlas canvas new` for a template) names a \
            palette, draws a grid of characters and says which palette cell, class, photo position, \
            photo block (stamp) or mix each character paints. Each grid cell is one position of the \
            palette's layer: at a stride-16 layer a 14x14 canvas is seen by the network as a 224-px \
            view, and painted at 448 px by default (--size, up to \(PaintGeometry.maximumSize)). The image \
            is optimised so that the layer's activation at every painted position points along its \
            brush's whitened vector (the sum of the cosines, or with --objective dot-cosine the icons' \
            dot x cos^power; lucid's FFT image with decorrelated colour), while each class brush's \
            region, cut out, is pulled towards its class, cells painted from a photo keep its colours, \
            and a smoothness penalty keeps the network's checkerboard away. A judge network that did \
            not paint (--judge) reports what it sees in each brush's region. Writes OUT.png, the \
            image, and OUT.sheet.png: the image with the grid and characters, the legend with the \
            judge's readings, a heat map of each cell's cosine with its brush and the top classes. \
            --json FILE (- for stdout) writes the same numbers. Options given here override the \
            canvas's [settings]; the same seed paints the same image on the same machine.
            """)

    @Argument(help: "The canvas file.")
    var canvas: String

    @Option(name: .shortAndLong, help: "The PNG to write; the sheet goes beside it as NAME.sheet.png.")
    var output: String

    @Option(parsing: .unconditional, help: "Optimisation steps (default: the canvas's, else \(PaintOptions.defaultSteps)).")
    var steps: Int?

    @Option(parsing: .unconditional, help: "The seed of every random draw (default: the canvas's, else 0).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "The image's longer side in pixels, 16 to \(PaintGeometry.maximumSize) (default: the canvas's, else twice the grid times the layer's stride, at most \(PaintGeometry.maximumSize)).")
    var size: Int?

    @Option(parsing: .unconditional, help: "The power of the cosine in the dot-cosine objective (default: the canvas's, else \(PaintOptions.defaultCosinePower)).")
    var cosinePower: Float?

    @Option(help: "What each painted position maximises: cosine (default) or dot-cosine (the icons' dot x cos^power).")
    var objective: PaintObjective?

    @Option(parsing: .unconditional, help: "Adam's learning rate.")
    var learningRate: Float = 0.05

    @OptionGroup(title: "Techniques") var techniques: PaintTechniqueOptions

    @Option(help: "The network that judges the painting (what it sees in each brush's region), or none. Default: efficientnet_lite0 when its weights are installed, else none.")
    var judge: JudgeChoice?

    @Option(help: "Write a JSON report to this file, or - for stdout.")
    var json: String?

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard output.lowercased().hasSuffix(".png") else { throw ValidationError("--output must be a .png file, got \(output)") }
        if let steps, steps < 1 { throw ValidationError("--steps must be positive") }
        if let size, size < 16 || size > PaintGeometry.maximumSize {
            throw ValidationError("--size must be 16 to \(PaintGeometry.maximumSize) pixels, got \(size)")
        }
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
        techniques.apply(to: &options)
        let judge = try self.judge.map { try $0.load() } ?? RegionJudge.installedDefault(painter: network.name)

        let start = Date()
        let report = { (progress: PaintProgress) in
            guard progress.step % 32 == 0 || progress.step == options.steps - 1 else { return }
            let elapsed = Date().timeIntervalSince(start)
            FileHandle.standardError.write(Data(String(format: "step %d/%d objective %.4g (%.1f s)\n", progress.step + 1,
                                                       options.steps, progress.objective, elapsed).utf8))
        }
        let title = canvas.title ?? URL(fileURLWithPath: canvas.path).deletingPathExtension().lastPathComponent
        let outcome = try PaintOutcome(painting: resolved, palette: palette, network: network, judge: judge, options: options,
                                       title: title, progress: report)
        try outcome.painting.image.writePNG(to: output)
        let sheetPath = String(output.dropLast(4)) + ".sheet.png"
        try outcome.sheet.writePNG(to: sheetPath)
        if let json {
            let data = try outcome.report.json()
            if json == "-" {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            } else {
                try writeAtomically(data, to: json)
            }
        }
        FileHandle.standardError.write(Data("wrote \(output) and \(sheetPath) (\(outcome.summary)\n".utf8))
    }
}


/// `--judge`: a model, or none.
enum JudgeChoice: ExpressibleByArgument {
    case model(ModelName)
    case none

    init?(argument: String) {
        if argument == "none" { self = .none } else if let model = ModelName(rawValue: argument) { self = .model(model) } else { return nil }
    }

    static var allValueStrings: [String] { ModelName.allValueStrings + ["none"] }

    /// The judge, or nil for none; an error when its weights are not installed.
    func load() throws -> RegionJudge? {
        switch self {
        case .none: nil
        case .model(let model): try RegionJudge.load(model)
        }
    }
}
