import ArgumentParser
import Tensor

/// `atlas`: activation atlases, concept palettes and painting for image classifiers.
@main
struct Atlas: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atlas",
        abstract: "Open up what an image classifier has learned: classify, lay out, visualise.",
        subcommands: [DatasetCommand.self, ClassifyCommand.self, LayoutCommand.self, LayersCommand.self,
                      VisualizeCommand.self, CollectCommand.self, PaletteCommand.self, RenderCommand.self, IndexCommand.self,
                      SearchCommand.self, PaintCommand.self, CanvasCommand.self])

    /// Tunes the process (`ProcessTuning`), then parses the arguments and runs the command.
    static func main() {
        ProcessTuning.apply()
        main(nil)
    }
}
