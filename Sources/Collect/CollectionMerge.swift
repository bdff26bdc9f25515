import ArrayFiles
import Foundation

/// Joins the parts of a collection run on several machines (`atlas collect --shard K/N`, one
/// folder each) into one collection whose samples equal an unsharded run's, in the same order:
/// the shards of part 1, then part 2, ..., renumbered. Everything is checked before anything is
/// written: the parts must be 1..N of one N, each once and finished, of the same photo list,
/// model, weights and settings; the output must not hold a collection yet.
public enum CollectionMerge {
    @discardableResult
    public static func merge(_ folders: [String], into output: String) throws -> CollectionHeader {
        guard !folders.isEmpty else { throw CollectError("give the folders of the parts to merge") }
        let headers = try folders.map { try SampleSet.readHeader($0) }
        var byIndex: [Int: Int] = [:]
        for (number, (folder, header)) in zip(folders, headers).enumerated() {
            guard let part = header.part else {
                throw CollectError("\(folder): not a part of a sharded collection (collected without --shard)")
            }
            guard part.count == headers[0].part?.count else {
                throw CollectError("\(folder): part \(part.index) of \(part.count), but \(folders[0]) is a part of \(headers[0].part!.count)")
            }
            if let earlier = byIndex[part.index] {
                throw CollectError("part \(part.index)/\(part.count) is given twice: \(folders[earlier]) and \(folder)")
            }
            byIndex[part.index] = number
            if let conflict = settingsConflict(headers[0], header) {
                throw CollectError("\(folder) and \(folders[0]) are not parts of one run: \(conflict)")
            }
            let end = header.shards.last.map { $0.firstImage + $0.imageCount } ?? part.firstImage
            guard end == part.images.upperBound else {
                throw CollectError("\(folder): part \(part.index)/\(part.count) is not finished (images \(part.firstImage)..<\(end) "
                    + "of \(part.images.lowerBound)..<\(part.images.upperBound)): run its `atlas collect --shard` again to resume it")
            }
        }
        let count = headers[0].part!.count
        if let missing = (1...count).first(where: { byIndex[$0] == nil }) {
            throw CollectError("part \(missing)/\(count) is missing: merge needs all \(count) parts")
        }
        try ArtefactFolder.check(output, willHold: ArtefactFolder.collection)
        let headerPath = URL(fileURLWithPath: output).appendingPathComponent(CollectionHeader.fileName).path
        guard !FileManager.default.fileExists(atPath: headerPath) else {
            throw CollectError("\(output) already holds a collection: merge into a new folder")
        }

        var merged = headers[0]
        (merged.part, merged.shards) = (nil, [])
        for index in 1...count {
            let (folder, header) = (folders[byIndex[index]!], headers[byIndex[index]!])
            for image in header.part!.images { merged.images[image] = header.images[image] }
            for shard in header.shards {
                var copy = shard
                copy.folder = String(format: "shard-%05d", merged.shards.count)
                let target = URL(fileURLWithPath: output).appendingPathComponent(copy.folder).path
                try? FileManager.default.removeItem(atPath: target)  // a merge killed before its header: start the shard over
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                for name in try FileManager.default.contentsOfDirectory(atPath: folder + "/" + shard.folder) where name.hasSuffix(".npy") {
                    try FileManager.default.copyItem(atPath: "\(folder)/\(shard.folder)/\(name)", toPath: "\(target)/\(name)")
                }
                merged.shards.append(copy)
            }
        }
        let prefix = (merged.imagesFolder ?? "") + "/"
        let relative = merged.images.map { $0.path.hasPrefix(prefix) ? String($0.path.dropFirst(prefix.count)) : $0.path }
        merged.imagesSHA256 = SHA256.hex(Array(CollectionRun.imagesListing(relative, merged.images.map(\.sha256)).utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(encoder.encode(merged), to: headerPath)  // last: until it is there, there is no collection
        return merged
    }

    /// Why two parts are not of one run, naming what differs; nil when they are.
    private static func settingsConflict(_ a: CollectionHeader, _ b: CollectionHeader) -> String? {
        var differences: [String] = []
        if a.images.map(\.path) != b.images.map(\.path) {
            differences.append("other photo lists (\(a.images.count) and \(b.images.count) photos)")
        }
        if a.imagesSHA256 != b.imagesSHA256 && a.images.map(\.path) == b.images.map(\.path) {
            differences.append("photo lists listed from other folders")
        }
        var other = b
        (other.part, other.shards, other.images, other.imagesSHA256, other.imagesFolder) = (a.part, a.shards, a.images, a.imagesSHA256, a.imagesFolder)
        if let conflict = a.resumptionConflict(with: other) { differences.append(conflict) }
        return differences.isEmpty ? nil : differences.joined(separator: "; ")
    }
}
