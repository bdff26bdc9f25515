import ArgumentParser
import ArrayFiles
import Foundation
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

    @Option(parsing: .unconditional, help: "Compute threads (default: all cores, or OMP_NUM_THREADS).")
    var threads: Int?

    /// Sets the thread count, then loads the network.
    func load() throws -> Network {
        if let threads { try ComputeThreads.set(threads) }
        return try model.load(weightsAt: weights ?? model.weightsFile.defaultPath(), verify: !noVerify)
    }

    /// The sha256 of the checkpoint `load()` reads, which artefacts record: the model's known hash
    /// when `load()` verifies the file against it (no second read of the file), otherwise hashed
    /// from the file.
    func checkpointSHA256() throws -> String {
        if !noVerify, let known = model.weightsFile.sha256 { return known }
        let path = try weights ?? model.weightsFile.defaultPath()
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read the checkpoint") }
        return SHA256.hex(data)
    }
}
