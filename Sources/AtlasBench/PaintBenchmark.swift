import ArgumentParser
import Foundation
import Judge
import Models
import Optvis
import Paint
import Tensor

/// `atlas-bench paint`: what `atlas paint` costs a user on a shipped canvas (14x14 at features.13:
/// 448 px with the default schedule, 512 steps): loading and checking the weights, the painting,
/// the evaluation and the judge, each in seconds, and the painting's steps per second. The anchor,
/// measured in the same run with the same thread count: PyTorch's rate of feature-visualization
/// steps through MobileNetV2 to features.13 at 224 px (Benchmarks/anchors/torch_visualize.py),
/// the cost of one plain step of the painting's kind; a painting step does more (a class term's
/// cut-out region through the whole network, the grid at the view, a larger image while refining).
struct PaintBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paint",
        abstract: "Seconds of `atlas paint` on a 14x14 canvas (448 px, default schedule), against PyTorch's step rate.")

    @Option(help: "The canvas to paint.")
    var canvas = "canvases/seashore.canvas"

    @Option(help: "Optimisation steps.")
    var steps = PaintOptions.defaultSteps

    @Option(parsing: .unconditional, help: "The image's longer side (default: the painter's).")
    var size: Int?

    @OptionGroup var anchorOptions: TorchAnchorOptions

    func run() throws {
        let clock = ContinuousClock()
        func seconds(since start: ContinuousClock.Instant) -> Double {
            let elapsed = clock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        let loadStart = clock.now
        let network = try anchorOptions.loadMobileNetV2()
        let canvas = try Canvas.load(self.canvas)
        let palette = try canvas.loadPalette()
        let resolved = try canvas.resolve(palette: palette, network: network)
        let judge = try RegionJudge.load(.efficientNetLite0)
        let load = seconds(since: loadStart)
        var options = PaintOptions(settings: canvas.settings)
        options.steps = steps
        if let size { options.size = size }
        print("paint \(self.canvas): \(canvas.rows)x\(canvas.columns) cells at \(resolved.layer), \(steps) steps, "
            + "\(ComputeThreads.count) threads; load average before: \(Self.loadAverage())")
        let paintStart = clock.now
        let painting = try paint(resolved, whitening: palette.whitening, network: network, options: options)
        let painted = seconds(since: paintStart)
        let judgeStart = clock.now
        _ = try PaintEvaluation(image: painting.image, canvas: resolved, geometry: painting.geometry, network: network,
                                labels: ImageNetLabels.load())
        _ = try PaintJudgement(image: painting.image, canvas: resolved, geometry: painting.geometry, judge: judge)
        let judged = seconds(since: judgeStart)
        let rate = Double(steps) / painted
        print(String(format: "  %dx%d px: load and check weights, palette, canvas %.1f s; paint %.1f s (%.2f steps/s); "
                     + "evaluate and judge %.1f s; total %.1f s", painting.geometry.imageWidth, painting.geometry.imageHeight,
                     load, painted, rate, judged, load + painted + judged) + "; load average after: \(Self.loadAverage())")
        if let command = try timeTheCommand() {
            print(String(format: "  `atlas paint` as a user runs it (start, weights checked, painting, judge, PNG and sheet written): "
                         + "%.1f s, %.1f s more than the painting alone", command, command - painted))
        }
        guard !anchorOptions.noAnchor else { return }
        let anchor = try TorchAnchor.run(script: "Benchmarks/anchors/torch_visualize.py",
                                         arguments: ["--threads", "\(anchorOptions.threads)", "--steps", "10"], as: TorchResult.self)
        print(String(format: "  PyTorch (torch %@) feature visualization to features.13, batch 1 at 224 px: %.2f steps/s; "
                     + "a painting step costs %.2f of its steps", anchor.torch, anchor.batch1_224px_steps_per_s,
                     anchor.batch1_224px_steps_per_s / rate))
    }

    /// Wall-clock seconds of the `atlas` executable beside this one painting the same canvas with
    /// the same settings into a temporary folder; nil when there is no such executable.
    private func timeTheCommand() throws -> Double? {
        let atlas = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("atlas").path
        guard FileManager.default.isExecutableFile(atPath: atlas) else {
            print("  (no atlas executable beside atlas-bench: the command's own time is not measured)")
            return nil
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atlas-bench-paint-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: atlas)
        process.arguments = ["paint", canvas, "-o", folder + "/painting.png", "--steps", "\(steps)",
                             "--threads", "\(anchorOptions.threads)"] + (size.map { ["--size", "\($0)"] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = ContinuousClock.now
        try process.run()
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        guard process.terminationStatus == 0 else {
            throw ValidationError("atlas \(process.arguments!.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    private struct TorchResult: Decodable {
        let batch1_224px_steps_per_s: Double
        let torch: String
    }

    /// The 1-, 5- and 15-minute load averages (Linux), or "unknown".
    private static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
