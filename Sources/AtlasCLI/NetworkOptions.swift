import ArgumentParser
import Models
import Tensor

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
