import ArgumentParser
import Tensor

/// `atlas-bench`: benchmarks that measure atlas against the Python anchors in the same run.
@main
struct AtlasBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atlas-bench",
        abstract: "Benchmarks: each prints its anchors' numbers, measured in the same run, and the ratios.",
        subcommands: [ClassifyBenchmark.self, LayoutBenchmark.self, VisualizeBenchmark.self, SearchBenchmark.self, PaintBenchmark.self,
                      PaintQualityBenchmark.self, GridBenchmark.self, ClassViewsBenchmark.self])

    /// Tunes the process (`ProcessTuning`), then parses the arguments and runs the command.
    static func main() {
        ProcessTuning.apply()
        main(nil)
    }
}
