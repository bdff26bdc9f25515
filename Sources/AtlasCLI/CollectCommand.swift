import ArgumentParser
import Collect
import Foundation
import Models

/// `atlas collect`: activation vectors and their class attributions from a folder of photos,
/// in one run or in parts on several machines, merged.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Sample a layer's activation vectors on a folder of photos, with their attributions to classes.",
        subcommands: [CollectRunCommand.self, CollectMergeCommand.self],
        defaultSubcommand: CollectRunCommand.self)
}

/// `atlas collect [run]`: one collection run, or one part of one (--shard K/N).
struct CollectRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Collect (the default): sample a layer on a folder of photos, or one part of it with --shard K/N.",
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

            On several machines: --shard K/N (1-based) collects part K of N of the sorted photo list (a \
            contiguous block, the same on every machine that lists the same photos), with exactly the \
            samples an unsharded run gives those photos; `atlas collect merge` joins the N parts. A \
            Slurm array job runs `atlas collect --shard $SLURM_ARRAY_TASK_ID/N`, a Kubernetes Indexed \
            Job `--shard $((JOB_COMPLETION_INDEX + 1))/N` (docs/palettes.md).
            """)

    @Option(help: ArgumentHelp(ShardOption.help))
    var shard: ShardOption?

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
                                           weightsSHA256: self.network.checkpointSHA256(), settings: settings, part: shard.map { ($0.index, $0.count) },
                                           restart: restart,
                                           report: Self.report)
        let samples = header.shards.reduce(0) { $0 + $1.samples }
        let collected = header.part?.imageCount ?? header.images.count
        let skipped = header.images.filter { $0.skipped != nil }.count
        let part = header.part.map { " (part \($0.index)/\($0.count): images \($0.firstImage)..<\($0.firstImage + $0.imageCount))" } ?? ""
        Self.write("wrote \(output)\(part): \(samples) samples of \(layer) (\(header.channels) channels) from \(collected - skipped) "
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

/// `atlas collect merge`: the parts of a sharded collection run, joined.
struct CollectMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the parts of a collection run made with --shard K/N into one collection.",
        discussion: """
            The merged collection's samples equal an unsharded run's, in the same order (part 1's \
            shards, then part 2's, ...). Refused, with nothing written, unless the folders are parts 1 \
            to N of one N, each given once and finished, of the same photos, model, weights and \
            settings, and the output folder holds no collection yet.
            """)

    @OptionGroup var merge: MergeArguments

    func run() throws {
        let header = try CollectionMerge.merge(merge.parts, into: merge.output)
        let samples = header.shards.reduce(0) { $0 + $1.samples }
        let line = "wrote \(merge.output): \(samples) samples of \(header.layer) from \(merge.parts.count) parts, "
            + "\(header.images.count) images, \(header.shards.count) shards\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
