import ArrayFiles
import Foundation
import Optvis
import Search

/// Builds an index's inverted file (`InvertedFile`): the coarse lists and the product
/// quantiser trained on a random sample of the index's positions, then every position filed
/// in two passes over the mapped shards (1: each position's list, counted per part of the
/// index; 2: each position's residual coded and written at its place in its list), straight
/// into a mapped lists.bin. The shards are checked against their CRC-32s first. The files are
/// written into a temporary folder that then replaces `ivf/`: a killed build leaves the index
/// and any earlier inverted file as they were (and its temporary folder, which the next build
/// removes). Memory: the sample and 2 bytes per position.
public struct InvertedFileBuilder: Sendable {
    /// Lists (nil: `defaultLists(positions:)`).
    public var lists: Int?
    /// Positions sampled to train the lists and the codebooks (nil: 64 per list, at least 65,536).
    public var sample: Int?
    public var seed: UInt64

    /// The most lists one may ask for. Training rounds each top part's share, so a build may
    /// make a few more (about half the square root more at most), up to `storableLists`.
    public static let maximumLists = 32768
    /// Lists a build can number: a position's list is held in 2 bytes while building.
    public static let storableLists = Int(UInt16.max) + 1

    public init(lists: Int? = nil, sample: Int? = nil, seed: UInt64 = 1) {
        (self.lists, self.sample, self.seed) = (lists, sample, seed)
    }

    /// About a quarter of the square root of the positions (3,481 lists for 196 million
    /// positions: a million photos at one scale of a 14 x 14 grid), at least 1.
    public static func defaultLists(positions: Int) -> Int {
        min(maximumLists, max(1, Int((Double(positions).squareRoot() / 4).rounded())))
    }

    /// What a build did, for the progress line.
    public struct Stage: Sendable {
        public let name: String
        public let seconds: Double
    }

    /// Builds the inverted file of the index in `folder`; `progress` hears of each stage done.
    @discardableResult
    public func build(_ folder: String, progress: (Stage) -> Void = { _ in }) throws -> InvertedManifest {
        let clock = ContinuousClock()
        var start = clock.now
        func done(_ name: String) {
            let elapsed = clock.now - start
            progress(Stage(name: name, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
            start = clock.now
        }
        let index = try MappedIndex(folder)
        let positions = index.positionCount, channels = index.origin.channels
        guard positions > 0 else { throw SearchError("\(folder): the index holds no photos yet: nothing to build an inverted file of") }
        guard positions <= Int(UInt32.max) else {
            throw SearchError("\(folder): \(positions) positions, more than an inverted file numbers (\(UInt32.max)): split the index "
                + "(atlas index build --shard K/N) and search the parts together (--index A --index B)")
        }
        let listCount = lists ?? Self.defaultLists(positions: positions)
        guard (1...Self.maximumLists).contains(listCount) else {
            throw SearchError("--lists must be 1 to \(Self.maximumLists), got \(listCount)")
        }
        let sampleCount = min(positions, sample ?? max(65_536, 64 * listCount))
        guard sampleCount >= 1 else { throw SearchError("--sample must be positive, got \(sampleCount)") }
        // What is refused is refused before the shards are read whole.
        try index.verifyChecksums()
        done("shards checked")

        // Training.
        var generator = SeededGenerator(seed: seed)
        let chosen = (0..<sampleCount).map { _ in Int.random(in: 0..<positions, using: &generator) }.sorted()
        var vectors = [Float](repeating: 0, count: sampleCount * channels)
        vectors.withUnsafeMutableBufferPointer { vectors in
            for (row, position) in chosen.enumerated() { index.decode(position: position, into: vectors.baseAddress! + row * channels) }
        }
        let coarse = CoarseQuantizer.train(vectors, channels: channels, lists: listCount, iterations: 12, generator: &generator)
        // The codebooks learn the residuals that pass 2 encodes: from the list a position is
        // filed under (two-level, `list(of:)`), on rows spread over the whole sample, which is
        // sorted by position (a prefix of it would be the first photos only).
        let trainingRows = min(sampleCount, 65_536)
        var residuals = [Float](repeating: 0, count: trainingRows * channels)
        vectors.withUnsafeBufferPointer { vectors in
            residuals.withUnsafeMutableBufferPointer { residuals in
                for row in 0..<trainingRows {
                    let x = vectors.baseAddress! + (row * sampleCount / trainingRows) * channels
                    let list = coarse.list(of: x)
                    for d in 0..<channels { residuals[row * channels + d] = x[d] - coarse.subs.centroids[list * channels + d] }
                }
            }
        }
        vectors = []
        let quantizer = ProductQuantizer.train(residuals, channels: channels, iterations: 12, generator: &generator)
        done("trained \(coarse.lists) lists and \(quantizer.subspaces) x \(quantizer.codewords) codewords on \(sampleCount) positions")

        // Pass 1: every position's list, counted per part.
        let parts = min(index.grids.count, 256)
        let gridRanges = (0..<parts).map { (index.grids.count * $0 / parts)..<(index.grids.count * ($0 + 1) / parts) }
        var assigned = [UInt16](repeating: 0, count: positions)
        let counts = assigned.withUnsafeMutableBufferPointer { assigned in
            let out = assigned.baseAddress!
            return parallelMap(parts) { part -> [Int] in
                var counts = [Int](repeating: 0, count: coarse.lists)
                var vector = [Float](repeating: 0, count: channels)
                vector.withUnsafeMutableBufferPointer { vector in
                    for grid in gridRanges[part] {
                        for position in index.firstPositions[grid]..<index.firstPositions[grid + 1] {
                            index.decode(position: position, into: vector.baseAddress!, grid: grid)
                            let list = coarse.list(of: vector.baseAddress!)
                            out[position] = UInt16(list)
                            counts[list] += 1
                        }
                    }
                }
                return counts
            }
        }
        done("filed \(positions) positions")

        // Where each part's entries of each list go.
        var offsets = [Int](repeating: 0, count: coarse.lists + 1)
        for list in 0..<coarse.lists { offsets[list + 1] = offsets[list] + counts.reduce(0) { $0 + $1[list] } }
        var cursors = [[Int]](repeating: [], count: parts)
        var running = Array(offsets.dropLast())
        for part in 0..<parts {
            cursors[part] = running
            for list in 0..<coarse.lists { running[list] += counts[part][list] }
        }

        // Pass 2: the codes, written in place.
        let directory = URL(fileURLWithPath: folder).appendingPathComponent(InvertedManifest.folderName).path
        let building = directory + ".building-\(ProcessInfo.processInfo.processIdentifier)"
        Self.removeAbandonedBuilds(in: folder)
        try FileManager.default.createDirectory(atPath: building, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: building) }
        let subspaces = quantizer.subspaces
        let writer = try MappedFileWriter(building + "/lists.bin",
                                          count: InvertedFile.byteCount(lists: coarse.lists, positions: positions, subspaces: subspaces))
        let bytes = writer.bytes.baseAddress!
        InvertedFile.magic.withUnsafeBytes { bytes.copyMemory(from: $0.baseAddress!, byteCount: 8) }
        for (list, offset) in offsets.enumerated() {
            bytes.storeBytes(of: UInt64(offset).littleEndian, toByteOffset: 8 + 8 * list, as: UInt64.self)
        }
        let numbers = bytes + 8 + 8 * (coarse.lists + 1), codes = numbers + 4 * positions
        let centroids = coarse.subs.centroids
        assigned.withUnsafeBufferPointer { assigned in
            centroids.withUnsafeBufferPointer { centroids in
            _ = parallelMap(parts) { part in
                var cursor = cursors[part]
                var vector = [Float](repeating: 0, count: channels)
                vector.withUnsafeMutableBufferPointer { vector in
                    let x = vector.baseAddress!
                    for grid in gridRanges[part] {
                        for position in index.firstPositions[grid]..<index.firstPositions[grid + 1] {
                            index.decode(position: position, into: x, grid: grid)
                            let list = Int(assigned[position])
                            for d in 0..<channels { x[d] -= centroids[list * channels + d] }
                            let entry = cursor[list]
                            cursor[list] += 1
                            numbers.storeBytes(of: UInt32(position).littleEndian, toByteOffset: 4 * entry, as: UInt32.self)
                            quantizer.encode(x, into: (codes + entry * subspaces).assumingMemoryBound(to: UInt8.self))
                        }
                    }
                }
            }
            }
        }
        try writer.commit()
        done("coded \(positions) positions")

        let manifest = InvertedManifest(
            format: InvertedManifest.currentFormat, lists: coarse.lists, subspaces: subspaces, codewords: quantizer.codewords,
            channels: channels, positions: positions, images: index.imageCount, indexManifestBytes: index.manifestBytes,
            indexManifestCRC32: index.manifestCRC32, sample: sampleCount, seed: seed)
        try NPY.write(NPYArray(shape: [coarse.lists, channels], values: coarse.subs.centroids), to: building + "/centroids.npy")
        try NPY.write(NPYArray(shape: [subspaces, quantizer.codewords, quantizer.width], values: quantizer.codebooks.centroids),
                      to: building + "/codebooks.npy")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try writeAtomically(encoder.encode(manifest), to: building + "/" + InvertedManifest.fileName)
        // The old folder goes first (a search between the two steps finds none and scans in full).
        try? FileManager.default.removeItem(atPath: directory)
        guard rename(building, directory) == 0 else {
            throw FileWriteError(file: directory, reason: String(cString: strerror(errno)))
        }
        return manifest
    }

    /// Removes the temporary folders of builds that were killed (their process is gone), and any
    /// of this process's own.
    private static func removeAbandonedBuilds(in folder: String) {
        let prefix = InvertedManifest.folderName + ".building-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)) else { continue }
            if pid == ProcessInfo.processInfo.processIdentifier || (kill(pid, 0) != 0 && errno == ESRCH) {
                try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: folder).appendingPathComponent(name).path)
            }
        }
    }
}
