import ArrayFiles
import Dataset
import Foundation

/// Joins the parts of an index built on several machines (`atlas index build --shard K/N`) into
/// one index that answers every query as an index built in one run: the photos of part 1, then
/// part 2, ..., their shards copied and renumbered with their checksums. Everything is checked
/// before anything is written: parts 1..N of one N, each once and finished, of one photo list,
/// network, layer and scales; the output must not hold an index yet.
public enum IndexMerge {
    @discardableResult
    public static func merge(_ folders: [String], into output: String) throws -> IndexManifest {
        guard !folders.isEmpty else { throw SearchError("give the folders of the parts to merge") }
        let manifests = try folders.map { folder -> IndexManifest in
            guard let manifest = try IndexFolder.manifest(in: folder) else { throw SearchError("\(folder): no index here") }
            return manifest
        }
        let first = manifests[0]
        var byIndex: [Int: Int] = [:]
        for (number, (folder, manifest)) in zip(folders, manifests).enumerated() {
            guard let part = manifest.part else {
                throw SearchError("\(folder): not a part of a sharded index (built without --shard)")
            }
            guard part.count == first.part?.count else {
                throw SearchError("\(folder): part \(part.name), but \(folders[0]) is a part of \(first.part!.count)")
            }
            if let earlier = byIndex[part.index] {
                throw SearchError("part \(part.name) is given twice: \(folders[earlier]) and \(folder)")
            }
            byIndex[part.index] = number
            guard manifest.photoListSHA256 == first.photoListSHA256 else {
                throw SearchError("\(folder) and \(folders[0]) are parts of other photo lists")
            }
            try first.origin.check(manifest.origin, what: folder, index: folders[0])
            guard manifest.scales == first.scales else {
                throw SearchError("\(folder) has scales \(manifest.scales), \(folders[0]) \(first.scales)")
            }
            guard manifest.partFinished == true else {
                throw SearchError("\(folder): part \(part.name) is not finished: run its `atlas index build --shard` again to resume it")
            }
            guard manifest.shardCRC32?.count == manifest.shards.count else {
                throw SearchError("\(folder): its shards have no checksums")
            }
        }
        let count = first.part!.count
        if let missing = (1...count).first(where: { byIndex[$0] == nil }) {
            throw SearchError("part \(missing)/\(count) is missing: merge needs all \(count) parts")
        }
        try ArtefactFolder.check(output, willHold: ArtefactFolder.index)
        guard try IndexFolder.manifest(in: output) == nil else {
            throw SearchError("\(output) already holds an index: merge into a new folder")
        }

        var merged = IndexManifest(origin: first.origin, scales: first.scales)
        try FileManager.default.createDirectory(atPath: IndexFolder.path(output, "shards"), withIntermediateDirectories: true)
        for index in 1...count {
            let (folder, manifest) = (folders[byIndex[index]!], manifests[byIndex[index]!])
            let offset = merged.shards.count
            for (shard, checksum) in zip(manifest.shards, manifest.shardCRC32!) {
                let name = IndexFolder.shardName(merged.shards.count)
                let target = IndexFolder.path(output, name)
                try? FileManager.default.removeItem(atPath: target)  // a merge killed before its manifest: copy again
                try FileManager.default.copyItem(atPath: IndexFolder.path(folder, shard), toPath: target)
                merged.shards.append(name)
                merged.shardCRC32?.append(checksum)
            }
            merged.images += manifest.images.map { image in
                var moved = image
                moved.shard += offset
                return moved
            }
        }
        try IndexFolder.writeManifest(merged, folder: output)  // last: until it is there, there is no index
        return merged
    }
}
