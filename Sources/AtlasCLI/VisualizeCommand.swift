import ArgumentParser
import ArrayFiles
import Foundation
import Imaging
import Models
import Optvis
import Tensor

/// `atlas visualize`: feature visualization of channels or directions of a layer, as one sheet.
struct VisualizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visualize",
        abstract: "Render images that excite a layer's channels or directions, as a PNG sheet.",
        discussion: """
            Optimises lucid-style images (FFT parameterization, decorrelated colour, sigmoid) with Adam \
            through random jitter, scale and rotation. --channel 42 renders one channel, --channel 0..15 \
            channels 0 to 15 (inclusive) as a batch; --direction v.npy renders a direction [C] or one per \
            row of [K, C] at the layer's centre, scored by dot x cos^power (--cossim-pow, 0 for the plain \
            dot), optionally whitened by the activations [N, C] in --whiten. Fully connected layers \
            (pool, classifier.1, probabilities) are read as 1x1 layers: --layer classifier.1 \
            --channel 1 renders the goldfish logit. Progress goes to stderr.
            """)

    @Option(help: "The layer, as `atlas layers` names it (features.10.conv.0, features.13, ...).")
    var layer: String

    @Option(help: "A channel (42) or an inclusive range of channels (0..15).")
    var channel: ChannelSelection?

    @Option(help: "A .npy file of a direction [C] or directions [K, C] in the layer's channel space.")
    var direction: String?

    @Option(help: "A .npy file of activations [N, C] of the layer, to whiten the directions with.")
    var whiten: String?

    @Option(name: .customLong("cossim-pow"), parsing: .unconditional, help: "The power of the cosine in the direction objective.")
    var cossimPower: Float = 4

    @Option(parsing: .unconditional, help: "The side of the square images, in pixels.")
    var size = 128

    @Option(parsing: .unconditional, help: "Optimisation steps per attempt.")
    var steps = 512

    @Option(parsing: .unconditional, help: "The seed of every random draw (initial images, transforms).")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Attempts from different random starts; each image keeps its best.")
    var attempts = 1

    @Option(parsing: .unconditional, help: "Adam's learning rate.")
    var learningRate: Float = 0.05

    @Option(name: .customLong("relu-gradient"), help: ArgumentHelp(
        "How gradients pass ReLU/ReLU6: exact, or redirected (lucid's default for visualization: a unit that is dead on the starting image still gets a way up).",
        valueName: "exact|redirected"))
    var reluGradient: ReLUGradientChoice = .redirected

    @Option(name: .shortAndLong, help: "The PNG sheet to write.")
    var output: String

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard (channel == nil) != (direction == nil) else {
            throw ValidationError("give exactly one of --channel and --direction")
        }
        if whiten != nil && direction == nil { throw ValidationError("--whiten applies to --direction only") }
        guard size >= 16, steps > 0, attempts > 0, learningRate > 0 else {
            throw ValidationError("--size must be at least 16, --steps, --attempts and --learning-rate positive")
        }
    }

    func run() throws {
        let network = try self.network.load()
        network.activationGradient = reluGradient.activationGradient
        _ = try network.layer(named: layer)
        let info = try network.layers(inputSize: size).first { $0.name == layer }!
        let objective = try makeObjective(channels: info.channels)
        let batch = objective.batch
        let progress = ProgressReport(steps: steps, attempts: attempts)
        let result = try render(objective: objective.objective,
                                parameterization: ParameterizedImage(width: size, height: size, batch: batch),
                                transforms: standardTransforms(size: size), steps: steps, model: network, seed: seed,
                                attempts: attempts, learningRate: learningRate, progress: progress.report)
        try RGBImage.sheet(of: result.images).writePNG(to: output)
        let objectives = result.objective.map { String(format: "%.4g", $0) }.joined(separator: " ")
        FileHandle.standardError.write(Data("wrote \(output) (\(batch) images; objective \(objectives))\n".utf8))
    }

    /// The objective, one batch item per channel or direction.
    private func makeObjective(channels: Int) throws -> (objective: Objective, batch: Int) {
        if let channel {
            guard channel.range.upperBound < channels else {
                throw ValidationError("--channel \(channel.range.upperBound) is outside layer \(layer), which has \(channels) channels")
            }
            return (Objective.sum(channel.range.enumerated().map { .channel(layer, $1, item: $0) }), channel.range.count)
        }
        let directions = try NPY.read(direction!)
        guard (1...2).contains(directions.shape.count), directions.shape.last == channels, directions.values.count > 0 else {
            throw ValidationError("\(direction!): expected a direction [\(channels)] or directions [K, \(channels)] for layer "
                + "\(layer), got shape \(directions.shape)")
        }
        let whitening = try whiten.map { path in
            let activations = try NPY.read(path)
            guard activations.shape.count == 2, activations.shape[1] == channels else {
                throw ValidationError("\(path): expected activations [N, \(channels)] of layer \(layer), got shape \(activations.shape)")
            }
            return try Whitening(activations: Tensor(shape: activations.shape, values: activations.values))
        }
        let count = directions.values.count / channels
        let terms = try (0..<count).map { k in
            try Objective.directionCosine(layer, Array(directions.values[k * channels..<(k + 1) * channels]),
                                          power: cossimPower, whitening: whitening, item: k)
        }
        return (Objective.sum(terms), count)
    }
}

/// `--relu-gradient`: the true gradient or lucid's redirected one.
enum ReLUGradientChoice: String, ExpressibleByArgument, CaseIterable {
    case exact, redirected

    var activationGradient: ActivationGradient { self == .exact ? .exact : .redirected }
}

/// A channel or an inclusive range of channels, `42` or `0..15`.
struct ChannelSelection: ExpressibleByArgument {
    let range: ClosedRange<Int>

    init?(argument: String) {
        let bounds = argument.components(separatedBy: "..")
        guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]),
              low >= 0, low <= high else { return nil }
        range = low...high
    }
}

/// Step and objective on stderr, every tenth step and the last of each attempt.
private struct ProgressReport {
    let steps: Int
    let attempts: Int

    func report(_ progress: RenderProgress) {
        guard progress.step % 10 == 0 || progress.step == steps - 1 else { return }
        let mean = progress.objective.reduce(0, +) / Float(max(progress.objective.count, 1))
        let attempt = attempts > 1 ? "attempt \(progress.attempt + 1)/\(attempts) " : ""
        FileHandle.standardError.write(Data("\(attempt)step \(progress.step + 1)/\(steps) objective \(String(format: "%.4f", mean))\n".utf8))
    }
}
