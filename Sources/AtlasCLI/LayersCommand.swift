import ArgumentParser
import Models
import Tensor

/// `atlas layers`: the layers of a network that can be asked for by name.
struct LayersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layers",
        abstract: "List a network's layers: name, channels, stride and spatial size for an input size.")

    @Option(parsing: .unconditional, help: "The side of the square input, in pixels (default: the network's own).")
    var size: Int?

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        if let size, size <= 0 { throw ValidationError("--size must be positive, got \(size)") }
    }

    func run() throws {
        let network = try self.network.load()
        print("layer\tchannels\tstride\tsize")
        for layer in try network.layers(inputSize: size) {
            print("\(layer.name)\t\(layer.channels)\t\(layer.stride)\t\(layer.height)x\(layer.width)")
        }
    }
}
