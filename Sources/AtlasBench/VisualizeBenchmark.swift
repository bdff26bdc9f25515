import ArgumentParser
import Foundation
import Models
import Optvis
import Tensor

/// `atlas-bench visualize`: optimisation steps per second of feature visualization through
/// MobileNetV2 up to features.13, ours against the same loop in PyTorch on the CPU
/// (Benchmarks/anchors/torch_visualize.py), measured in the same run with the same thread count.
struct VisualizeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visualize",
        abstract: "Feature-visualization steps per second to features.13: batch 16 at 80 px and batch 1 at 224 px, against PyTorch.")

    @OptionGroup var anchorOptions: TorchAnchorOptions

    @Option(parsing: .unconditional, help: "Timed steps per configuration (after 3 warm-up steps).")
    var steps = 10

    private static let layer = "features.13"

    func run() throws {
        let network = try anchorOptions.loadMobileNetV2()
        print("feature visualization to \(Self.layer), \(ComputeThreads.count) threads, median of \(steps) steps")
        let ours = [try stepsPerSecond(network, batch: 16, size: 80), try stepsPerSecond(network, batch: 1, size: 224)]
        print(String(format: "  atlas   batch 16 at 80 px: %.3f steps/s   batch 1 at 224 px: %.3f steps/s", ours[0], ours[1]))
        if let onnx = try anchorOptions.loadONNXMobileNetV2() {
            let imported = [try stepsPerSecond(onnx, batch: 16, size: 80), try stepsPerSecond(onnx, batch: 1, size: 224)]
            print(String(format: "  ONNX    batch 16 at 80 px: %.3f steps/s   batch 1 at 224 px: %.3f steps/s   ONNX / native: %.3f, %.3f",
                         imported[0], imported[1], imported[0] / ours[0], imported[1] / ours[1]))
        }
        guard !anchorOptions.noAnchor else { return }
        let anchor = try TorchAnchor.run(script: "Benchmarks/anchors/torch_visualize.py",
                                         arguments: ["--threads", "\(anchorOptions.threads)", "--steps", "\(steps)"], as: TorchResult.self)
        print(String(format: "  PyTorch batch 16 at 80 px: %.3f steps/s   batch 1 at 224 px: %.3f steps/s   (torch %@)",
                     anchor.batch16_80px_steps_per_s, anchor.batch1_224px_steps_per_s, anchor.torch))
        print(String(format: "  ratio (atlas / PyTorch): batch 16 at 80 px %.2fx, batch 1 at 224 px %.2fx",
                     ours[0] / anchor.batch16_80px_steps_per_s, ours[1] / anchor.batch1_224px_steps_per_s))
    }

    /// The median rate of render steps (one channel's mean per image, the atlas transforms).
    private func stepsPerSecond(_ network: Network, batch: Int, size: Int) throws -> Double {
        let objective = Objective.sum((0..<batch).map { .channel(Self.layer, $0, item: $0) })
        let clock = ContinuousClock()
        var last = clock.now
        var times: [Double] = []
        _ = try render(objective: objective, parameterization: ParameterizedImage(width: size, height: size, batch: batch),
                       transforms: standardTransforms(size: size), steps: steps + 3, model: network, seed: 0) { progress in
            let now = clock.now, elapsed = now - last
            last = now
            if progress.step >= 3 {
                times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            }
        }
        return 1 / times.sorted()[times.count / 2]
    }

    private struct TorchResult: Decodable {
        let batch16_80px_steps_per_s: Double
        let batch1_224px_steps_per_s: Double
        let torch: String
    }
}
