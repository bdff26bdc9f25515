import ArgumentParser
import Models
import Tensor

/// `atlas layers`: the layers of a network that can be asked for by name.
struct LayersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layers",
        abstract: "List a network's layers: name, channels, stride and spatial size for an input size.")

    @Option(help: "The side of the square input, in pixels.")
    var size = 224

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard size > 0 else { throw ValidationError("--size must be positive, got \(size)") }
    }

    func run() throws {
        let network = try self.network.load()
        print("layer\tchannels\tstride\tsize")
        for layer in try network.layers(inputSize: size) {
            print("\(layer.name)\t\(layer.channels)\t\(layer.stride)\t\(layer.height)x\(layer.width)")
        }
    }
}

/// The options that pick and load a network.
struct NetworkOptions: ParsableArguments {
    @Option(help: "The network: \(ModelName.allValueStrings.joined(separator: ", ")).")
    var model = ModelName.mobileNetV2

    @Option(help: "A checkpoint to load instead of the installed one.")
    var weights: String?

    @Flag(help: "Do not check the checkpoint's sha256 (for a copy that was retrained or converted).")
    var noVerify = false

    @Option(help: "Compute threads (default: all cores, or OMP_NUM_THREADS).")
    var threads: Int?

    /// Sets the thread count, then loads the network.
    func load() throws -> Network {
        if let threads { try ComputeThreads.set(threads) }
        return try model.load(weightsAt: weights ?? model.weightsFile.defaultPath(), verify: !noVerify)
    }
}
