import ArgumentParser
import ArrayFiles
import Dataset
import Foundation
import InvertedFile
import Search

/// `atlas index`: image collections made searchable by activation grids.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build searchable indexes of photos' activation grids (for `atlas search`).",
        subcommands: [IndexBuildCommand.self, IndexMergeCommand.self, IndexIVFCommand.self])
}

/// `atlas index build`: index (or extend the index of) a folder of photos.
struct IndexBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Index the activation grids of a folder of photos at one layer.",
        discussion: """
            Every JPEG, PNG and WebP under --images is seen at each of --scales (the short side resized \
            to the scale, then the centred square) and run to --layer; each grid position's vector is \
            L2-normalised and stored as int8 codes with one float scale (about a quarter of float32's size; \
            cosines move by under 1e-4). The index folder holds index.json (the model, checkpoint \
            sha256, layer, and every photo's path, size and sha256) and one shard per batch.

            Running the command again on an existing index appends: photos already indexed (same \
            path and sha256) are skipped, changed ones re-indexed, so a killed build resumes where it \
            stopped. Unreadable photos are reported and skipped. Progress goes to stderr.

            On several machines: --shard K/N indexes part K of N of the sorted photo list into its own \
            folder; `atlas index merge` joins the parts into one index (see `atlas collect --help` for \
            Slurm and Kubernetes).
            """)

    @Option(help: ArgumentHelp(ShardOption.help))
    var shard: ShardOption?

    @Option(help: "The folder of photos (searched at any depth).")
    var images: String

    @Option(help: "The layer, as `atlas layers` names it (features.13 is a stride-16 grid of 96 channels).")
    var layer: String

    @Option(help: "Input sides to see each photo at, comma-separated (default 224, or the existing index's).")
    var scales: String?

    @Option(parsing: .unconditional, help: "Photos per network batch (and per shard).")
    var batch = 16

    @Option(name: .shortAndLong, help: "The index folder to create or extend.")
    var output: String

    @OptionGroup var network: NetworkOptions

    func run() throws {
        let sides = try scales.map(parseScales)
        let loaded = try network.load()
        let sha = try network.checkpointSHA256()
        let source = try NetworkGridSource(network: loaded, layer: layer, weightsSHA256: sha)
        let builder = try IndexBuilder(folder: output, source: source, scales: sides, batchSize: batch)
        let files = try ImageCollection.list(images)
        let part = shard.map { PhotoListPart(index: $0.index, count: $0.count, total: files.count) }
        let listSHA256 = SHA256.hex(Array(files.map { $0.relativePath + "\n" }.joined().utf8))
        let paths = files[part?.images ?? 0..<files.count].map(\.path)
        let report = try builder.build(paths, part: part.map { ($0, listSHA256) }) { progress in
            let line = String(format: "\r%d/%d photos, %d added, %d skipped, %.1f photos/s", progress.done, progress.total,
                              progress.added, progress.skipped, progress.imagesPerSecond)
            FileHandle.standardError.write(Data(line.utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        for skipped in report.skipped {
            FileHandle.standardError.write(Data("skipped \(skipped.path): \(skipped.reason)\n".utf8))
        }
        let scalesText = report.manifest.scales.map(String.init).joined(separator: ",")
        print("\(output): \(report.manifest.images.count) photos of layer \(layer) at scales \(scalesText) "
            + "(\(report.added) added, \(report.alreadyIndexed) already indexed, \(report.skipped.count) skipped)")
    }

    private func parseScales(_ text: String) throws -> [Int] {
        let sides = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sides.isEmpty, sides.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--scales takes positive input sides separated by commas (224,320), got '\(text)'")
        }
        return sides.map { $0! }
    }
}

/// `atlas index merge`: the parts of an index built with --shard K/N, joined.
struct IndexMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the parts of an index built with --shard K/N into one index.",
        discussion: """
            The merged index answers every query as an index built in one run. Refused, with nothing \
            written, unless the folders are parts 1 to N of one N, each given once and finished, of the \
            same photo list, network, layer and scales, and the output folder holds no index yet.
            """)

    @OptionGroup var merge: MergeArguments

    func run() throws {
        let manifest = try IndexMerge.merge(merge.parts, into: merge.output)
        print("\(merge.output): \(manifest.images.count) photos in \(manifest.shards.count) shards from \(merge.parts.count) parts")
    }
}

/// `atlas index ivf`: the inverted file that lets `atlas search` skip most of a large index.
struct IndexIVFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ivf",
        abstract: "Build an index's inverted file, so that a search reads a small part of a large index.",
        discussion: """
            Every grid position of the index is filed under the nearest of --lists centroids (k-means \
            on a sample of the positions, in two levels), and its difference from that centroid is \
            product-quantised to one byte per run of channels (16 runs of 6 at features.13). With \
            the int8 codes the index already holds, a position costs 20 bytes more: about 4 KiB per \
            photo per scale at features.13. The shards are checked against their checksums first. \
            The files go to INDEX/ivf/ and replace any earlier inverted file whole. An index changed \
            after this (photos added) is searched in full until this command runs again.

            `atlas search` then scores exactly only the candidates the inverted file gives (see \
            `atlas search --help`); `atlas-bench search --synthetic 1000000` measures its speed and \
            recall against a full scan.
            """)

    @Argument(help: "The index folder (`atlas index build`).")
    var index: String

    @Option(parsing: .unconditional, help: "Lists (default: a quarter of the square root of the positions; at most \(InvertedFileBuilder.maximumLists)).")
    var lists: Int?

    @Option(parsing: .unconditional, help: "Positions sampled for training (default: 64 per list, at least 65,536).")
    var sample: Int?

    @Option(parsing: .unconditional, help: "The seed of the sample and of k-means.")
    var seed: UInt64 = 1

    func validate() throws {
        if let lists, !(1...InvertedFileBuilder.maximumLists).contains(lists) {
            throw ValidationError("--lists must be 1 to \(InvertedFileBuilder.maximumLists), got \(lists)")
        }
        if let sample, sample <= 0 { throw ValidationError("--sample must be positive, got \(sample)") }
    }

    func run() throws {
        let manifest = try InvertedFileBuilder(lists: lists, sample: sample, seed: seed).build(index) { stage in
            FileHandle.standardError.write(Data(String(format: "%@ (%.1f s)\n", stage.name, stage.seconds).utf8))
        }
        print("\(index)/ivf: \(manifest.lists) lists, \(manifest.subspaces) bytes of codes per position, \(manifest.positions) "
            + "positions of \(manifest.images) photos")
    }
}
