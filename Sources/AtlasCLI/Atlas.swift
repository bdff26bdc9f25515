import ArgumentParser
import Foundation
import Tensor

/// `atlas`: activation atlases, concept palettes and painting for image classifiers.
@main
struct Atlas: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atlas",
        abstract: "Open up what an image classifier has learned: atlases of its layers, painting with their concepts, search by them.",
        discussion: """
            The pipeline, one verb a step: photos (dataset) -> activations (collect) -> layout (layout) -> palette \
            (palette build, render) -> canvas (canvas new, paint) -> image; and index/search for photo collections. \
            classify, layers and visualize look at the network itself; studio does the same in the browser. \
            --model takes a built-in network or the card of your own ONNX classifier (model check).
            """,
        subcommands: [DatasetCommand.self, ClassifyCommand.self, ModelCommand.self, LayersCommand.self, VisualizeCommand.self,
                      CollectCommand.self, LayoutCommand.self, PaletteCommand.self, RenderCommand.self,
                      CanvasCommand.self, PaintCommand.self, IndexCommand.self, SearchCommand.self, GridCommand.self, PatchTestCommand.self, CompareCommand.self,
                      StudioCommand.self])

    /// Tunes the process (`ProcessTuning`), then parses the arguments and runs the command;
    /// errors end as `ErrorReport` says.
    static func main() {
        ProcessTuning.apply()
        // A closed pipe on standard output is a write error to report (EPIPE), not a signal.
        signal(SIGPIPE, SIG_IGN)
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            ErrorReport.exit(with: error, command: self)
        }
        do {
            try command.run()
            try ErrorReport.flushStandardOutput()
        } catch {
            ErrorReport.exit(with: error, command: self, running: type(of: command))
        }
    }
}
