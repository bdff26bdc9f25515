import ArrayFiles
import Dataset
import Foundation
import Imaging
import Models
import Optvis
import Tensor

/// What a collection run reports as it goes.
public enum CollectionEvent: Sendable {
    /// Complete shards found from an earlier run with the same arguments, and their images.
    case resumed(shards: Int, images: Int)
    /// An image that gave no samples.
    case skipped(path: String, reason: String)
    /// Images done (resumed ones included) of all, and the rate of this run.
    case progress(done: Int, total: Int, imagesPerSecond: Double, secondsLeft: Double?)
    case shardWritten(folder: String, samples: Int)
}

/// A collection run (ALGORITHMS.md §1-2): for every image of a folder and each of its views,
/// random positions of a layer's grid, the activation vector at each and its attribution to the
/// image's top classes, written in shards of `imagesPerShard` images with `collection.json`
/// rewritten atomically after each shard.
///
/// The positions and augmentations of image i are drawn from a generator seeded by (seed, i)
/// alone, and batches start afresh in each shard, so a run that was killed and is started again
/// with the same arguments skips its complete shards and writes the same files as a run that
/// was never interrupted.
public enum CollectionRun {
    /// Collects the images under `folder` into `output` with `network`, whose checkpoint has
    /// sha256 `weightsSHA256`. Resumes a collection already in `output` if it was made with the
    /// same arguments and refuses otherwise, unless `restart` (which deletes it first).
    @discardableResult
    ///
    /// With `part` (K, N), only part K of N of the photo list is collected (`CollectionHeader.Part`),
    /// with the same samples an unsharded run gives those images; `CollectionMerge` joins the parts.
    public static func run(images folder: String, output: String, network: Network, weightsSHA256: String,
                           settings: CollectionSettings, part: (index: Int, count: Int)? = nil, restart: Bool = false,
                           report: (CollectionEvent) -> Void = { _ in }) throws -> CollectionHeader {
        if let part, !(part.count >= 1 && (1...part.count).contains(part.index)) {
            throw CollectError("--shard \(part.index)/\(part.count): K/N needs 1 <= K <= N")
        }
        guard settings.perImage > 0, settings.topK > 0, settings.augmentations >= 0, settings.batchSize > 0,
              settings.imagesPerShard > 0 else {
            throw CollectError("--per-image, --top-k, --batch and the shard size must be positive and --augment not negative")
        }
        try ArtefactFolder.check(output, willHold: ArtefactFolder.collection)
        _ = try network.layer(named: settings.layer)
        guard let info = try network.layers().first(where: { $0.name == settings.layer }),
              try network.graph.shapes(input: [1, 3, network.inputSize, network.inputSize])[network.layer(named: settings.layer).index].count == 4
        else {
            throw CollectError("layer \(settings.layer) of \(network.name) has no spatial grid; collect at a convolutional layer (features.K)")
        }
        let available = SamplePositions.candidates(height: info.height, width: info.width).count
        guard settings.perImage <= available else {
            throw CollectError("--per-image \(settings.perImage) is more than the \(available) positions that \(settings.layer)'s "
                + "\(info.height)x\(info.width) grid offers (its border is skipped); use --per-image \(available) or less")
        }

        let files = try ImageCollection.list(folder)
        guard !files.isEmpty else { throw CollectError("\(folder): no JPEG, PNG or WebP images found") }
        let ownPart = part.map { CollectionHeader.Part(index: $0.index, count: $0.count, total: files.count) }
        let ownRange = ownPart?.images ?? 0..<files.count
        // A part hashes only its own photos (on many machines, each reads its share); its listing
        // names the photo list by paths, and the merge computes the whole collection's hash.
        let images = files.enumerated().map { index, file in
            CollectionHeader.CollectedImage(path: file.path, sha256: ownRange.contains(index)
                ? (try? RegularFile.read(file.path, kind: "image", limit: RegularFile.imageLimit)).map(SHA256.hex) ?? "" : "")
        }
        let listing = ownPart == nil ? imagesListing(files.map(\.relativePath), images.map(\.sha256))
            : "part of:\n" + files.map { $0.relativePath + "\n" }.joined()
        var header = CollectionHeader(
            format: CollectionHeader.currentFormat, model: network.name, weightsSHA256: weightsSHA256, layer: settings.layer,
            channels: info.channels, layerHeight: info.height, layerWidth: info.width, inputSize: network.inputSize,
            perImage: settings.perImage, topK: settings.topK, seed: settings.seed, augmentations: settings.augmentations,
            images: images, imagesSHA256: SHA256.hex(Array(listing.utf8)), shards: [], part: ownPart, imagesFolder: folder)

        let headerPath = URL(fileURLWithPath: output).appendingPathComponent(CollectionHeader.fileName).path
        if restart { try removeCollection(in: output) }
        if FileManager.default.fileExists(atPath: headerPath) {
            let existing = try SampleSet.readHeader(output)
            if let conflict = existing.resumptionConflict(with: header) {
                throw CollectError("\(output) already holds a collection, but \(conflict). Rerun with its arguments to resume it, "
                    + "add --restart to discard it, or collect into another folder")
            }
            header.shards = existing.shards
            let resumedImages = existing.shards.last.map { $0.firstImage + $0.imageCount } ?? ownRange.lowerBound
            for index in ownRange.lowerBound..<resumedImages { header.images[index].skipped = existing.images[index].skipped }
            if !existing.shards.isEmpty { report(.resumed(shards: existing.shards.count, images: resumedImages)) }
        }
        try write(header, to: headerPath)

        let start = Date()
        let firstImage = header.shards.last.map { $0.firstImage + $0.imageCount } ?? ownRange.lowerBound
        for shardStart in stride(from: firstImage, to: ownRange.upperBound, by: settings.imagesPerShard) {
            let range = shardStart..<min(shardStart + settings.imagesPerShard, ownRange.upperBound)
            let rows = try collectShard(range, of: &header, network: network, settings: settings) { done in
                let rate = Double(done - firstImage) / max(Date().timeIntervalSince(start), 1e-9)
                report(.progress(done: done - ownRange.lowerBound, total: ownRange.count, imagesPerSecond: rate,
                                 secondsLeft: rate > 0 ? Double(ownRange.upperBound - done) / rate : nil))
            } skipped: { report(.skipped(path: $0, reason: $1)) }
            var shard = CollectionHeader.Shard(folder: String(format: "shard-%05d", header.shards.count), firstImage: range.lowerBound,
                                               imageCount: range.count, samples: rows.count)
            shard.crc32 = try write(rows, channels: info.channels, topK: settings.topK,
                                    to: URL(fileURLWithPath: output).appendingPathComponent(shard.folder))
            header.shards.append(shard)
            try write(header, to: headerPath)
            report(.shardWritten(folder: shard.folder, samples: shard.samples))
        }
        return header
    }

    /// The samples of the images in `range`, batch by batch; unreadable images are recorded as
    /// skipped in `header` and reported.
    private static func collectShard(_ range: Range<Int>, of header: inout CollectionHeader, network: Network,
                                     settings: CollectionSettings, progress: (Int) -> Void,
                                     skipped: (String, String) -> Void) throws -> SampleRows {
        var rows = SampleRows()
        var inputs: [Tensor] = [], positions: [[GridPosition]] = [], owners: [Int] = []
        var reported = range.lowerBound
        func flush() throws {
            guard !inputs.isEmpty else { return }
            rows.append(try Attribution.samples(of: Tensor.concatenatingBatches(inputs), network: network, layer: settings.layer,
                                                positions: positions, imageIndices: owners, topK: settings.topK))
            (inputs, positions, owners) = ([], [], [])
        }
        for index in range {
            let path = header.images[index].path
            let image: RGBImage
            do {
                image = try decodeImage(at: path)
            } catch {
                header.images[index].skipped = "\(error)"
                skipped(path, "\(error)")
                continue
            }
            var generator = SeededGenerator(seed: settings.seed, stream: index)
            let views = ImageViews.views(of: image, augmentations: settings.augmentations, using: &generator)
            for (number, view) in views.enumerated() {
                positions.append(SamplePositions.draw(settings.perImage, height: header.layerHeight, width: header.layerWidth,
                                                      using: &generator))
                inputs.append(try network.input(for: [view], names: [path], resizing: .torchvision))
                owners.append(index)
                if inputs.count == settings.batchSize {
                    try flush()
                    reported = number == views.count - 1 ? index + 1 : index
                    progress(reported)
                }
            }
        }
        try flush()
        if reported != range.upperBound { progress(range.upperBound) }
        return rows
    }

    /// The four arrays of a shard, each written atomically.
    /// What `imagesSHA256` hashes: each photo's path relative to the folder and its sha256.
    static func imagesListing(_ relativePaths: [String], _ sha256s: [String]) -> String {
        zip(relativePaths, sha256s).map { "\($0)\t\($1)\n" }.joined()
    }

    /// Writes a shard's four arrays into `folder`; returns each file's CRC-32, for the header.
    private static func write(_ rows: SampleRows, channels: Int, topK: Int, to folder: URL) throws -> [String: UInt32] {
        let count = rows.count
        var checksums: [String: UInt32] = [:]
        for (name, array) in [("activations.npy", NPYArray(shape: [count, channels], values: rows.activations)),
                              ("classes.npy", NPYArray(shape: [count, topK], values: rows.classes.map(Float.init))),
                              ("attributions.npy", NPYArray(shape: [count, topK], values: rows.attributions)),
                              ("origins.npy", NPYArray(shape: [count, 3], values: rows.origins.map(Float.init)))] {
            let data = NPY.encode(array)
            try writeAtomically(data, to: folder.appendingPathComponent(name).path)
            checksums[name] = crc32(data)
        }
        return checksums
    }

    private static func write(_ header: CollectionHeader, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(encoder.encode(header), to: path)
    }

    /// Deletes `collection.json` and the shard folders in `folder`, and nothing else.
    private static func removeCollection(in folder: String) throws {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name == CollectionHeader.fileName || name.hasPrefix("shard-") {
            try manager.removeItem(atPath: URL(fileURLWithPath: folder).appendingPathComponent(name).path)
        }
    }
}
