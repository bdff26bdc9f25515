import ArgumentParser
import ArrayFiles
import Foundation
import Models
import ONNX
import Tensor

/// `--model`: a built-in network by name, or the model card (`.toml`) of an ONNX file.
enum ModelChoice: ExpressibleByArgument {
    case builtIn(ModelName)
    case card(String)

    init?(argument: String) {
        if ModelCard.isCardPath(argument) {
            self = .card(argument)
        } else if let model = ModelName(rawValue: argument) {
            self = .builtIn(model)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { ModelName.allValueStrings + ["CARD.toml"] }
}

/// The options that pick and load a network.
struct NetworkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The network: \(ModelName.allValueStrings.joined(separator: ", ")), or the model card (a .toml file) of your own ONNX classifier.",
                               discussion: "A model card names the ONNX file and says how pixels are normalised: `atlas model check CARD.toml` checks it (README, \"Your own model\")."))
    var model = ModelChoice.builtIn(.mobileNetV2)

    @Option(help: "A checkpoint to load instead of the installed one (built-in networks only).")
    var weights: String?

    @Flag(help: "Do not check the checkpoint's sha256 (for a copy that was retrained or converted).")
    var noVerify = false

    @Option(parsing: .unconditional, help: "Compute threads (default: all cores, or OMP_NUM_THREADS).")
    var threads: Int?

    func validate() throws {
        if case .card = model, weights != nil || noVerify {
            throw ValidationError("--weights and --no-verify apply to built-in networks; a model card names its ONNX file itself")
        }
    }

    /// Sets the thread count, then loads the network.
    func load() throws -> Network {
        if let threads { try ComputeThreads.set(threads) }
        switch model {
        case .builtIn(let model):
            return try model.load(weightsAt: weights ?? model.weightsFile.defaultPath(), verify: !noVerify)
        case .card(let path):
            return try ONNXModel.load(card: ModelCard(contentsOf: path))
        }
    }

    /// The names of the model's classes, in the order of its outputs.
    func labels() throws -> [String] {
        switch model {
        case .builtIn(let model): try model.labels()
        case .card(let path): try ModelCard(contentsOf: path).classNames()
        }
    }

    /// The sha256 of the checkpoint or ONNX file `load()` reads, which artefacts record: the
    /// model's known hash when `load()` verifies the file against it (no second read of the
    /// file), otherwise hashed from the file.
    func checkpointSHA256() throws -> String {
        switch model {
        case .card(let path):
            return try ONNXModel.sha256(card: ModelCard(contentsOf: path))
        case .builtIn(let model):
            if !noVerify, let known = model.weightsFile.sha256 { return known }
            let path = try weights ?? model.weightsFile.defaultPath()
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read the checkpoint") }
            return SHA256.hex(data)
        }
    }
}
