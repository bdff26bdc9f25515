import Analysis
import ArgumentParser
import ArrayFiles
import Collect
import Foundation
import Models
import Optvis
import Palette
import Tensor

/// `atlas-bench class-views`: the article's class views on a collection: a class activation atlas
/// laid out with UMAP and with t-SNE (seconds, icons included, and how well each layout keeps
/// the samples' neighbourhoods), and a two-class comparison (seconds). Anchor, measured in the
/// same run: PyTorch's rate of feature-visualisation steps (batch 16 at 80 px), against which the
/// icons' rate is given per pixel, as `atlas-bench grid` does.
struct ClassViewsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "class-views",
        abstract: "Seconds of a class atlas (UMAP and t-SNE, with their neighbour recall) and of a two-class comparison.",
        discussion: """
            Needs a collection: `atlas collect --images data/demo --layer features.13 -o \
            runs/collection-mobilenet_v2-features.13` (about 10 s). Neighbour recall: of each sample's 10 nearest \
            neighbours by the cosine of whitened activations, the share that are among its 10 nearest in the \
            layout (all samples of the class atlas, exactly).
            """)

    @Option(help: "The collection run folder.")
    var collection = "runs/collection-mobilenet_v2-features.13"

    @Option(name: .customLong("class"), help: "The class of the class atlas, and class A of the comparison.")
    var className = "goldfish"

    @Option(help: "Class B of the comparison.")
    var versus = "coral reef"

    @Option(parsing: .unconditional, help: "Cells per side of the class atlas.")
    var grid = 8

    @OptionGroup var anchorOptions: TorchAnchorOptions

    func run() throws {
        let network = try anchorOptions.loadMobileNetV2()
        let labels = try ImageNetLabels.load()
        guard FileManager.default.fileExists(atPath: collection + "/collection.json") else {
            throw ValidationError("no collection at \(collection): atlas collect --images data/demo --layer features.13 -o \(collection)")
        }
        let header = try SampleSet.readHeader(collection)
        try header.check(model: network.name, weightsSHA256: try ModelName.mobileNetV2.weightsFile.sha256 ?? "", folder: collection)
        let all = try SampleSet.load(collection)
        let (target, other) = (try ClassLookup.resolve(className, labels: labels), try ClassLookup.resolve(versus, labels: labels))
        let samples = try all.subset(all.samples(ofClass: target))
        print("class views of \(labels[target]) at \(header.layer): \(samples.count) of \(all.count) samples, "
            + "\(ComputeThreads.count) threads")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("atlas-bench-class-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var iconRate = 0.0
        for method in PaletteLayoutMethod.allCases {
            var options = PaletteBuildOptions()
            (options.grid, options.layoutMethod) = (grid, method)
            var timings = PaletteBuilder.Timings()
            let palette = try PaletteBuilder(options: options, folder: scratch + "/" + method.rawValue)
                .build(samples: samples, labels: labels, model: network, timings: &timings)
            let layout = try NPY.read(palette.path(Palette.layoutFile)).values
            let recall = try Self.neighbourRecall(samples: samples, whitening: palette.whitening, layout: layout, k: 10)
            let icons = timings.stages.first { $0.name == "icons" }?.seconds ?? 0
            iconRate = Double(palette.description.cells.count * options.steps) / icons
            print(String(format: "  class atlas, %@: %.1f s in all (layout %.1f s, icons %.1f s), %d cells of %dx%d; "
                         + "neighbour recall@10 %.3f", method.rawValue, timings.total,
                         timings.stages.first { $0.name == "layout" }?.seconds ?? 0, icons,
                         palette.description.cells.count, grid, grid, recall))
        }
        let start = Date()
        let comparison = try ClassComparison(samples: all, a: target, b: other, labels: labels, network: network)
        print(String(format: "  comparison %@ / %@: %.1f s, %d samples, %d cells", labels[target], labels[other],
                     Date().timeIntervalSince(start), comparison.sampleCount, comparison.cells.count))
        guard !anchorOptions.noAnchor else { return }
        let anchor = try TorchAnchor.run(script: "Benchmarks/anchors/torch_visualize.py",
                                         arguments: ["--threads", "\(anchorOptions.threads)", "--steps", "10"], as: TorchResult.self)
        let torchImageSteps = anchor.batch16_80px_steps_per_s * 16
        let ratio = iconRate / torchImageSteps  // both 80 x 80 pixels per image-step
        print(String(format: "  PyTorch (torch %@) visualisation to features.13, batch 16 at 80 px: %.0f image-steps/s; "
                     + "the class atlas's 80-px icons run at %.2fx that", anchor.torch, torchImageSteps, ratio))
    }

    /// Of each sample's `k` nearest neighbours by the cosine of whitened activations, the share
    /// that are among its `k` nearest in the 2-D layout.
    static func neighbourRecall(samples: SampleSet, whitening: Whitening, layout: [Float], k: Int) throws -> Double {
        let (n, c) = (samples.count, samples.channels)
        let white = try LayoutWhitening.whiten(samples.activations, with: whitening)
        var units = white
        for i in 0..<n {
            let norm = max(Float((0..<c).reduce(0.0) { $0 + Double(white[i * c + $1] * white[i * c + $1]) }.squareRoot()), 1e-12)
            for j in 0..<c { units[i * c + j] = white[i * c + j] / norm }
        }
        func nearest(_ i: Int, _ distance: (Int) -> Float) -> Set<Int> {
            Set((0..<n).filter { $0 != i }.map { ($0, distance($0)) }.sorted { $0.1 < $1.1 }.prefix(k).map(\.0))
        }
        var found = 0
        for i in 0..<n {
            let high = nearest(i) { j in -(0..<c).reduce(Float(0)) { $0 + units[i * c + $1] * units[j * c + $1] } }
            let low = nearest(i) { j in
                let (dx, dy) = (layout[2 * i] - layout[2 * j], layout[2 * i + 1] - layout[2 * j + 1])
                return dx * dx + dy * dy
            }
            found += high.intersection(low).count
        }
        return Double(found) / Double(n * k)
    }

    private struct TorchResult: Decodable {
        let batch16_80px_steps_per_s: Double
        let torch: String
    }
}
