import Analysis
import ArgumentParser
import Foundation
import Palette
import Tensor

/// `atlas-bench grid`: seconds of `atlas grid` on a photo at features.13 (14x14 positions, 196
/// icons of 48 px, 128 steps each, in batches of 49) with the shipped palette, against PyTorch's
/// rate of feature-visualisation steps (batch 16 at 80 px, the nearest of its two settings to an
/// icon batch) measured in the same run.
struct GridBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "Seconds of `atlas grid` (one photo's 14x14 activation grid), against PyTorch's visualisation step rate.")

    @Option(help: "The photo.")
    var photo = ".deps/photos/skimage/chelsea.png"

    @Option(help: "The palette (its layer is the grid's).")
    var palette = "palettes/mobilenet_v2/features.13"

    @OptionGroup var anchorOptions: TorchAnchorOptions

    func run() throws {
        let network = try anchorOptions.loadMobileNetV2()
        let palette = try Palette.load(self.palette)
        let start = Date()
        let grid = try PhotoActivationGrid(photo: photo, layer: palette.description.layer, network: network, palette: palette)
        let seconds = Date().timeIntervalSince(start)
        let iconSteps = Double(grid.icons.count * 128) / seconds
        print(String(format: "grid %@ at %@: %dx%d positions, 196 icons of 48 px x 128 steps in %.1f s (%.0f icon-steps/s), "
                     + "%d threads", photo, palette.description.layer, grid.rows, grid.columns, seconds, iconSteps,
                     ComputeThreads.count))
        guard !anchorOptions.noAnchor else { return }
        let anchor = try TorchAnchor.run(script: "Benchmarks/anchors/torch_visualize.py",
                                         arguments: ["--threads", "\(anchorOptions.threads)", "--steps", "10"], as: TorchResult.self)
        // Per pixel: an icon step is 48 x 48 pixels, an anchor image step 80 x 80.
        let torchImageSteps = anchor.batch16_80px_steps_per_s * 16
        let ratio = iconSteps * 48 * 48 / (torchImageSteps * 80 * 80)
        print(String(format: "  PyTorch (torch %@) visualisation to features.13, batch 16 at 80 px: %.0f image-steps/s; "
                     + "per pixel, the grid's icons run at %.2fx that", anchor.torch, torchImageSteps, ratio))
    }

    private struct TorchResult: Decodable {
        let batch16_80px_steps_per_s: Double
        let torch: String
    }
}
