import ArgumentParser
import Foundation
import Imaging
import Judge
import Models
import Palette
import Optvis
import Paint
import PaintArguments
import Tensor

/// `atlas-bench paint-quality`: whether paintings show what their canvases ask for, to a network
/// that did not paint them (the judge, EfficientNet-Lite0 by default). Paints single-concept
/// canvases (the whole grid one class brush) and two-concept canvases (left half one class, right
/// half another) with the shipped features.13 palette, and reports how often the judge ranks the
/// class in its top 5 in the brush's region, with the painter's own fidelity (the share of cells
/// closest to their own brush, the mean cosine) and the seconds per painting. The anchor, measured
/// in the same run with `--anchor`: a plain lucid-style visualisation of each class's logit
/// through MobileNetV2 (224 px, 256 steps, FFT image, lucid's standard transforms), judged the
/// same way. Options choose the painting technique, so that each row of docs/paint-quality.md's
/// ablation table is one run.
struct PaintQualityBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paint-quality",
        abstract: "How often a judge network sees the class a canvas paints: single- and two-concept canvases.")

    /// Common classes that the shipped features.13 palette carries (a cell lists each among its
    /// top-5 attributions).
    static let classes = ["goldfish", "tabby", "volcano", "castle", "strawberry", "pineapple", "orange", "banana",
                          "seashore", "valley", "alp", "king penguin", "starfish", "coral reef", "monarch", "jaguar",
                          "red fox", "soccer ball", "church", "space shuttle", "mushroom", "ice bear", "llama", "dalmatian"]
    /// Two-concept canvases: left half, right half.
    static let pairs = [("goldfish", "castle"), ("strawberry", "banana"), ("king penguin", "volcano"), ("red fox", "seashore"),
                        ("tabby", "pineapple"), ("monarch", "church"), ("jaguar", "valley"), ("soccer ball", "starfish")]

    @Option(help: "The palette to paint with.")
    var palette = "palettes/mobilenet_v2/features.13"

    @Option(help: "How many of the \(classes.count) single-concept classes to paint (the first N).")
    var singles = classes.count

    @Option(help: "How many of the \(pairs.count) two-concept canvases to paint (the first N).")
    var doubles = pairs.count

    @Option(help: "Optimisation steps per painting.")
    var steps = PaintOptions.defaultSteps

    @Option(parsing: .unconditional, help: "The image's longer side (default: the painter's).")
    var size: Int?

    @OptionGroup(title: "Techniques") var techniques: PaintTechniqueOptions

    @Option(help: "The judge network.")
    var judge = ModelName.efficientNetLite0

    @Flag(help: "Also measure the anchor: lucid-style class-logit visualisations, judged the same way.")
    var anchor = false

    @Option(help: "A label for this run's row of the ablation table.")
    var label = "default"

    @Option(help: "Write the paintings here (PNG), to look at.")
    var out: String?

    @Option(help: "Compute threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (0...Self.classes.count).contains(singles), (0...Self.pairs.count).contains(doubles) else {
            throw ValidationError("--singles is 0 to \(Self.classes.count), --doubles 0 to \(Self.pairs.count)")
        }
    }

    func run() throws {
        try ComputeThreads.set(threads)
        let network = try ModelName.mobileNetV2.load(weightsAt: ModelName.mobileNetV2.weightsFile.defaultPath())
        let judge = try RegionJudge.load(self.judge)
        if let out { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
        var options = PaintOptions(steps: steps, size: size)
        techniques.apply(to: &options)
        print("paint-quality, judge \(judge.network.name), \(steps) steps, \(techniques.summary), "
            + "\(ComputeThreads.count) threads")

        var singleHits = 0, singleFirst = 0, halfHits = 0, halves = 0
        var wins: [Double] = [], cosines: [Double] = [], seconds: [Double] = []
        var sizeText = ""
        for name in Self.classes.prefix(singles) {
            let grid = Array(repeating: String(repeating: "a", count: 14), count: 14)
            let result = try paintCanvas(grid: grid, brushes: ["a": name], name: name, network: network, judge: judge, options: options)
            let judged = result.judgement.brushes[0].judgement
            singleHits += judged.expectedInTop(5) ? 1 : 0
            singleFirst += judged.expectedInTop(1) ? 1 : 0
            (wins, cosines, seconds) = (wins + [result.win], cosines + [result.cosine], seconds + [result.seconds])
            sizeText = result.size
            print(String(format: "  %-14@ rank %4d  judge: %@ (%.0f%%)  own brush %.0f%%, cosine %.3f, %.1f s", name,
                         judged.expected?.rank ?? 0, judged.top[0].label.split(separator: ",")[0].description,
                         100 * judged.top[0].probability, 100 * result.win, result.cosine, result.seconds))
        }
        for (left, right) in Self.pairs.prefix(doubles) {
            let grid = Array(repeating: String(repeating: "l", count: 7) + String(repeating: "r", count: 7), count: 14)
            let result = try paintCanvas(grid: grid, brushes: ["l": left, "r": right], name: "\(left)+\(right)", network: network,
                                         judge: judge, options: options)
            for judged in result.judgement.brushes.map(\.judgement) {
                halves += 1
                halfHits += judged.expectedInTop(5) ? 1 : 0
            }
            (wins, cosines, seconds) = (wins + [result.win], cosines + [result.cosine], seconds + [result.seconds])
            let ranks = result.judgement.brushes.map { "\($0.judgement.expected?.rank ?? 0)" }.joined(separator: ", ")
            print(String(format: "  %-28@ ranks %@  own brush %.0f%%, cosine %.3f, %.1f s", "\(left) | \(right)", ranks,
                         100 * result.win, result.cosine, result.seconds))
        }
        func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        print("| technique | size | singles top-5 | singles top-1 | halves top-5 | own brush | mean cosine | s / painting |")
        print(String(format: "| %@ | %@ | %d/%d | %d/%d | %d/%d | %.1f%% | %.3f | %.1f |", label, sizeText, singleHits, singles,
                     singleFirst, singles, halfHits, halves, 100 * mean(wins), mean(cosines), mean(seconds)))
        if anchor { try measureAnchor(network: network, judge: judge) }
    }

    private struct Result {
        let judgement: PaintJudgement
        let win: Double
        let cosine: Double
        let seconds: Double
        let size: String
    }

    private func paintCanvas(grid: [String], brushes: [Character: String], name: String, network: Network, judge: RegionJudge,
                             options: PaintOptions) throws -> Result {
        let definitions = brushes.sorted { $0.key < $1.key }.map { "\($0.key) = { class = \"\($0.value)\" }" }
        let text = "palette = \"\(palette)\"\ngrid = '''\n" + grid.joined(separator: "\n") + "\n'''\n[brushes]\n"
            + definitions.joined(separator: "\n") + "\n"
        let path = FileManager.default.currentDirectoryPath + "/paint-quality.canvas"
        let canvas = try Canvas(parsing: text, path: path)
        let palette = try canvas.loadPalette()
        let resolved = try canvas.resolve(palette: palette, network: network)
        let clock = ContinuousClock(), start = clock.now
        let painting = try paint(resolved, whitening: palette.whitening, network: network, options: options)
        let elapsed = clock.now - start
        let evaluation = try PaintEvaluation(image: painting.image, canvas: resolved, geometry: painting.geometry, network: network,
                                             labels: ImageNetLabels.load())
        let judgement = try PaintJudgement(image: painting.image, canvas: resolved, geometry: painting.geometry, judge: judge)
        if let out { try painting.image.writePNG(to: "\(out)/\(name.replacingOccurrences(of: " ", with: "_")).png") }
        return Result(judgement: judgement, win: Double(evaluation.ownBrushWinRate), cosine: Double(evaluation.meanCosine),
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                      size: "\(painting.geometry.imageWidth) px")
    }

    /// Lucid's `render_vis` of each class's logit (224 px, 256 steps, FFT image with decorrelated
    /// colour, `transform.standard_transforms`: pad 12, jitter 8, scale 0.90-1.10, rotate
    /// -10..10 degrees, jitter 4), judged on the whole image.
    private func measureAnchor(network: Network, judge: RegionJudge) throws {
        let labels = try ImageNetLabels.load()
        let transforms = TransformPipeline([
            Pad(12, value: 0.5), Jitter(8), RandomScale((0..<11).map { 0.9 + 0.02 * Float($0) }),
            RandomRotate(degrees: (-10...10).map(Float.init)), Jitter(4), CropOrPad(height: 224, width: 224),
        ])
        var hits = 0, first = 0
        let clock = ContinuousClock(), start = clock.now
        for name in Self.classes.prefix(singles) {
            let index = try ClassLookup.resolve(name, labels: labels)
            let result = try render(objective: .classLogit(network.logitsName, index),
                                    parameterization: ParameterizedImage(width: 224, height: 224), transforms: transforms,
                                    steps: 256, model: network, seed: 0)
            let image = try RGBImage.sheet(of: result.images)
            if let out { try image.writePNG(to: "\(out)/anchor-\(name.replacingOccurrences(of: " ", with: "_")).png") }
            let judged = try judge.judge(image, region: PixelRectangle(top: 0, left: 0, height: 224, width: 224), expectedClass: index)
            hits += judged.expectedInTop(5) ? 1 : 0
            first += judged.expectedInTop(1) ? 1 : 0
            print(String(format: "  anchor %-14@ rank %4d  judge: %@", name, judged.expected?.rank ?? 0,
                         judged.top[0].label.split(separator: ",")[0].description))
        }
        let elapsed = clock.now - start
        let seconds = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) / Double(max(singles, 1))
        print("| anchor: lucid-style class logit | 224 px | \(hits)/\(singles) | \(first)/\(singles) | - | - | - | "
            + String(format: "%.1f |", seconds))
    }
}

extension ModelName: ExpressibleByArgument {}
