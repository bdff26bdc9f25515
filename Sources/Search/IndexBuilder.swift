import ArrayFiles
import Dataset
import Foundation
import Imaging

/// Builds or extends an index: photos not yet in it (by path and sha256) are decoded, seen at
/// each scale, run through the source and written a batch at a time as a new shard, after
/// which the manifest is replaced atomically. A killed build therefore loses at most the batch
/// in flight and resumes by running again; an unreadable photo is reported and skipped.
public struct IndexBuilder {
    public let folder: String
    public let source: any ActivationGridSource
    public let scales: [Int]
    public let batchSize: Int

    /// Progress after each batch.
    public struct Progress: Sendable {
        public let done: Int
        public let total: Int
        public let added: Int
        public let skipped: Int
        public let imagesPerSecond: Double
    }

    /// A photo that could not be indexed, and why.
    public struct Skipped: Sendable, Equatable {
        public let path: String
        public let reason: String
    }

    /// What a build did.
    public struct Report: Sendable {
        public let added: Int
        public let alreadyIndexed: Int
        public let skipped: [Skipped]
        public let manifest: IndexManifest
    }

    /// `scales` nil: the existing index's, or [224] for a new one. An existing index must have
    /// been made by the same model, weights and layer, at the same scales.
    public init(folder: String, source: any ActivationGridSource, scales: [Int]?, batchSize: Int = 16) throws {
        guard batchSize > 0 else { throw SearchError("the batch size must be positive, got \(batchSize)") }
        let existing = try IndexFolder.manifest(in: folder)
        if let existing {
            try existing.origin.check(source.origin, what: "the network given", index: folder)
            if let scales, scales != existing.scales {
                throw SearchError("\(folder) holds scales \(existing.scales.map(String.init).joined(separator: ",")), not "
                    + "\(scales.map(String.init).joined(separator: ",")): append with the same --scales, or build a new index")
            }
        }
        let chosen = scales ?? existing?.scales ?? [224]
        guard !chosen.isEmpty, Set(chosen).count == chosen.count, chosen.allSatisfy({ $0 >= source.origin.stride }) else {
            throw SearchError("scales must be distinct input sides of at least \(source.origin.stride) pixels (one grid cell), "
                + "got \(chosen)")
        }
        (self.folder, self.source, self.scales, self.batchSize) = (folder, source, chosen, batchSize)
    }

    /// Indexes those of `paths` that are not in the index yet. With `part` (a run on several
    /// machines, `--shard K/N`), `paths` are that part of a photo list whose relative paths hash
    /// to `photoListSHA256`; the manifest records it, and that the part was gone through, for
    /// `IndexMerge`.
    public func build(_ paths: [String], part: (part: PhotoListPart, photoListSHA256: String)? = nil,
                      progress: (Progress) -> Void = { _ in }) throws -> Report {
        try ArtefactFolder.check(folder, willHold: ArtefactFolder.index)
        var manifest = try IndexFolder.manifest(in: folder) ?? IndexManifest(origin: source.origin, scales: scales)
        let existing = (manifest.part, manifest.photoListSHA256)
        let isNew = manifest.shards.isEmpty && manifest.images.isEmpty
        if !isNew && (existing.0 != part?.part || existing.1 != part?.photoListSHA256) {
            let describe = { (part: PhotoListPart?) in part.map { "part \($0.name) of a photo list" } ?? "a whole index" }
            throw SearchError("\(folder) holds \(describe(existing.0)); this run builds \(describe(part?.part)) "
                + (existing.0 != nil && existing.0 == part?.part ? "of another photo list" : "") + ": build into another folder")
        }
        (manifest.part, manifest.photoListSHA256) = (part?.part, part?.photoListSHA256)
        if part != nil { manifest.partFinished = false }
        try FileManager.default.createDirectory(atPath: IndexFolder.path(folder, "shards"), withIntermediateDirectories: true)
        var indexed = Dictionary(manifest.images.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { $1 })
        var known = Dictionary(manifest.images.map { ($0.path, $0.sha256) }, uniquingKeysWith: { $1 })
        var (added, alreadyIndexed, skipped) = (0, 0, [Skipped]())
        let clock = ContinuousClock(), start = clock.now
        for batchStart in stride(from: 0, to: paths.count, by: batchSize) {
            let batch = Array(paths[batchStart..<min(batchStart + batchSize, paths.count)])
            let photos = parallelMap(batch.count) { Self.read(batch[$0], known: known[batch[$0]], scales: scales) }
            var fresh: [Photo] = []
            for (path, photo) in zip(batch, photos) {
                switch photo {
                case .indexed: alreadyIndexed += 1
                case .unreadable(let reason): skipped.append(Skipped(path: path, reason: reason))
                case .read(let photo): fresh.append(photo)
                }
            }
            if !fresh.isEmpty {
                let (entries, checksum) = try writeShard(fresh, number: manifest.shards.count)
                // An index from before checksums keeps none (its old shards have none to list).
                if manifest.shardCRC32 != nil || manifest.shards.isEmpty {
                    manifest.shardCRC32 = (manifest.shardCRC32 ?? []) + [checksum]
                }
                manifest.shards.append(IndexFolder.shardName(manifest.shards.count))
                for entry in entries {
                    known[entry.path] = entry.sha256
                    if let previous = indexed[entry.path] {
                        manifest.images[previous] = entry
                    } else {
                        indexed[entry.path] = manifest.images.count
                        manifest.images.append(entry)
                    }
                }
                try IndexFolder.writeManifest(manifest, folder: folder)
                added += fresh.count
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            progress(Progress(done: batchStart + batch.count, total: paths.count, added: added, skipped: skipped.count,
                              imagesPerSecond: Double(added) / max(seconds, 1e-9)))
        }
        if part != nil {
            manifest.partFinished = true
            try IndexFolder.writeManifest(manifest, folder: folder)
        } else if manifest.images.isEmpty && !FileManager.default.fileExists(atPath: IndexFolder.path(folder, IndexManifest.fileName)) {
            try IndexFolder.writeManifest(manifest, folder: folder)
        }
        return Report(added: added, alreadyIndexed: alreadyIndexed, skipped: skipped, manifest: manifest)
    }

    /// A photo read for indexing: its file facts and its view at each scale.
    private struct Photo {
        let path: String
        let bytes: Int
        let sha256: String
        let width: Int
        let height: Int
        let views: [RGBImage]
    }

    private enum ReadPhoto {
        case indexed
        case unreadable(String)
        case read(Photo)
    }

    /// Reads, hashes and decodes one photo, unless the index already has it with this hash.
    private static func read(_ path: String, known: String?, scales: [Int]) -> ReadPhoto {
        let data: Data
        do {
            data = try RegularFile.read(path, kind: "image", limit: RegularFile.imageLimit)
        } catch let error as FileReadError {
            return .unreadable(error.problem)
        } catch {
            return .unreadable("\(error)")
        }
        let sha256 = SHA256.hex(data)
        if sha256 == known { return .indexed }
        let image: RGBImage
        do {
            image = try decodeImage(data, name: path)
        } catch {
            let reason = "\(error)"
            return .unreadable(reason.hasPrefix(path + ": ") ? String(reason.dropFirst(path.count + 2)) : reason)
        }
        guard image.width > 0, image.height > 0 else { return .unreadable("the image is empty") }
        return .read(Photo(path: path, bytes: data.count, sha256: sha256, width: image.width, height: image.height,
                           views: scales.map { IndexView.fitted(image, side: $0) }))
    }

    /// Runs the photos through the source at every scale and writes their grids as shard `number`;
    /// returns their manifest entries and the shard's CRC-32.
    private func writeShard(_ photos: [Photo], number: Int) throws -> (entries: [IndexedImage], checksum: UInt32) {
        var grids = [[ActivationGrid]](repeating: [], count: photos.count)
        for (scaleIndex, side) in scales.enumerated() {
            let seen = try source.grids(of: photos.map { $0.views[scaleIndex] }, side: side)
            guard seen.count == photos.count, seen.allSatisfy({ $0.channels == source.origin.channels }) else {
                throw SearchError("the grid source returned \(seen.count) grids for \(photos.count) images at scale \(side)")
            }
            for (item, grid) in seen.enumerated() { grids[item].append(grid) }
        }
        let (stored, checksum) = try IndexFolder.writeShard(grids, scales: scales, folder: folder, number: number)
        return (zip(photos, stored).map { photo, grids in
            IndexedImage(path: photo.path, bytes: photo.bytes, sha256: photo.sha256, width: photo.width, height: photo.height,
                         shard: number, grids: grids)
        }, checksum)
    }
}
