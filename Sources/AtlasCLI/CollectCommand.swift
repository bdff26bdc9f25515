import ArgumentParser
import Collect
import Foundation
import Models

/// `atlas collect`: activation vectors and their class attributions from a folder of photos.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Sample a layer's activation vectors on a folder of photos, with their attributions to classes.",
        discussion: """
            Every JPEG, PNG and WebP file under --images (sorted by path) is resized and centre-cropped \
            as for classification; --augment N adds N random square crops (60-100% of the short side, \
            mirrored half the time). For each of these views, --per-image distinct random positions of \
            the layer's grid are sampled (the border rows and columns are skipped, as in lucid), and \
            the activation vector h there is recorded with its attribution a_c = h . dlogit_c/dh to \
            classes c.

            Approximation: attributions are computed for the view's --top-k classes by logit only (one \
            backward pass each, which gives dlogit_c/dh at every position at once), not for all 1000 \
            classes; each sample keeps those classes sorted by its own attribution, largest first. Max \
            pooling, where a model has it, is backpropagated as average pooling (the article's relaxed \
            gradient).

            Output: -o DIR/collection.json (the arguments, model and weights sha256, the images and \
            their sha256, the shards) and DIR/shard-NNNNN/{activations,classes,attributions,origins}.npy, \
            one shard per 32 images. The random draws for image i depend only on --seed and i, so a \
            killed run started again with the same arguments resumes after its last complete shard \
            and writes the same files as an uninterrupted run; other arguments are refused (--restart \
            discards the old collection). Unreadable images are reported and skipped. Progress goes to \
            stderr.
            """)

    @Option(help: "The folder of photos (searched at any depth).")
    var images: String

    @Option(help: "The layer to sample, as `atlas layers` names it (features.6, features.13, features.17, ...).")
    var layer: String

    @Option(parsing: .unconditional, help: "Random grid positions per image view.")
    var perImage = 64

    @Option(parsing: .unconditional, help: "Extra random crops/flips per image.")
    var augment = 0

    @Option(parsing: .unconditional, help: "Classes per view (its largest logits) to attribute each sample to; one backward pass each.")
    var topK = 16

    @Option(parsing: .unconditional, help: "Image views per network pass.")
    var batch = 16

    @Option(parsing: .unconditional, help: "The seed of the random positions and crops.")
    var seed: UInt64 = 0

    @Flag(help: "Discard a collection already in the output folder instead of resuming it.")
    var restart = false

    @Option(name: .shortAndLong, help: "The folder to write the collection to.")
    var output: String

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard perImage > 0, topK > 0, batch > 0, augment >= 0 else {
            throw ValidationError("--per-image, --top-k and --batch must be positive, --augment zero or more")
        }
    }

    func run() throws {
        let model = try self.network.load()
        let settings = CollectionSettings(layer: layer, perImage: perImage, topK: topK, seed: seed, augmentations: augment,
                                          batchSize: batch)
        let start = Date()
        let header = try CollectionRun.run(images: images, output: output, network: model,
                                           weightsSHA256: self.network.checkpointSHA256(), settings: settings, restart: restart,
                                           report: Self.report)
        let samples = header.shards.reduce(0) { $0 + $1.samples }
        let skipped = header.images.filter { $0.skipped != nil }.count
        Self.write("wrote \(output): \(samples) samples of \(layer) (\(header.channels) channels) from \(header.images.count - skipped) "
            + "images\(skipped > 0 ? ", \(skipped) skipped" : "") in \(String(format: "%.1f", Date().timeIntervalSince(start))) s\n")
    }

    private static func report(_ event: CollectionEvent) {
        switch event {
        case let .resumed(shards, images):
            write("resuming after \(shards) complete shards (\(images) images)\n")
        case let .skipped(path, reason):
            write("skipped \(path): \(reason)\n")
        case let .progress(done, total, rate, secondsLeft):
            let eta = secondsLeft.map { String(format: "%d:%02d", Int($0) / 60, Int($0) % 60) } ?? "?"
            write("\(done)/\(total) images, \(String(format: "%.2f", rate)) images/s, ETA \(eta)\n")
        case let .shardWritten(folder, samples):
            write("wrote \(folder) (\(samples) samples)\n")
        }
    }

    private static func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
