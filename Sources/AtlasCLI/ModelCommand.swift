import ArgumentParser
import ONNX

/// `atlas model`: users' own classifiers, as ONNX files with a model card.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Check your own ONNX classifier before using it with --model CARD.toml.",
        subcommands: [Check.self])

    /// `atlas model check CARD.toml`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Print an ONNX model's input, operators, parameters and layers, or what atlas cannot run in it.",
            discussion: """
                The card is a small TOML file beside the ONNX file, since ONNX does not record how pixels are \
                normalised:

                  onnx = "lite2.onnx"            # relative to the card
                  input_size = 260               # the square input, in pixels
                  mean = [127.0, 127.0, 127.0]   # subtracted from 0-255 pixel values, per RGB channel
                  std = [128.0, 128.0, 128.0]    # then divided by
                  labels = "imagenet"            # or a text file of class names, one per line

                Layers are named by the ONNX tensors they compute; give those names to --layer. A \
                convolution takes the batch norm and activation that follow it, so the layer is the \
                activation's output.
                """)

        @Argument(help: "The model card (.toml).")
        var card: String

        func run() throws {
            print(try ONNXModel.summary(card: ModelCard(contentsOf: card)))
        }
    }
}
