import ArrayFiles
import Foundation
import Search

/// An index's inverted file (IVF-PQ, the structure of FAISS's IndexIVFPQ), opened for search:
/// every position of the index filed under its nearest of a few thousand list centroids, with its
/// residual from that centroid product-quantised to `subspaces` bytes. A query vector scans only
/// the lists whose centroids lie nearest it, scoring each entry by table lookups.
///
/// On disk, in the index's `ivf/` folder: `ivf.json` (`InvertedManifest`), `centroids.npy`
/// [lists, channels], `codebooks.npy` [subspaces, codewords, channels / subspaces], and
/// `lists.bin`: the 8 bytes "ATLIVF01", lists + 1 offsets (UInt64, little-endian: list l's
/// entries are offsets[l]..<offsets[l + 1]), every entry's position number (UInt32, the index's
/// numbering: `MappedIndex.firstPositions`), then every entry's codes (`subspaces` bytes each).
/// The whole of lists.bin is memory-mapped.
public final class InvertedFile: Sendable {
    public let manifest: InvertedManifest
    let coarse: CentroidTables
    let quantizer: ProductQuantizer
    private let file: MappedFile
    private let offsets: [Int]

    static let magic = Array("ATLIVF01".utf8)

    /// `index`'s inverted file, or nil when it has none. Throws when it is damaged, or when the
    /// index has changed since it was built (`InvertedFileStale`).
    public init?(of index: MappedIndex) throws {
        let folder = index.folder
        let directory = URL(fileURLWithPath: folder).appendingPathComponent(InvertedManifest.folderName).path
        guard let manifest = try InvertedManifest.read(from: directory + "/" + InvertedManifest.fileName, kind: "inverted file manifest")
        else { return nil }
        guard index.manifestBytes == manifest.indexManifestBytes, index.manifestCRC32 == manifest.indexManifestCRC32,
              manifest.positions == index.positionCount, manifest.images == index.imageCount else {
            throw InvertedFileStale(folder: folder)
        }
        let channels = index.origin.channels
        func fail(_ file: String, _ problem: String) -> FileReadError {
            FileReadError(file: directory + "/" + file, problem: problem + " (rebuild it: atlas index ivf \(folder))")
        }
        guard manifest.channels == channels else { throw fail(InvertedManifest.fileName, "\(manifest.channels) channels, the index has \(channels)") }
        let centroids = try NPY.read(directory + "/centroids.npy")
        guard centroids.shape == [manifest.lists, channels], centroids.values.allSatisfy(\.isFinite) else {
            throw fail("centroids.npy", "shape \(centroids.shape), expected [\(manifest.lists), \(channels)] finite values")
        }
        let width = channels / manifest.subspaces
        let codebooks = try NPY.read(directory + "/codebooks.npy")
        guard codebooks.shape == [manifest.subspaces, manifest.codewords, width], codebooks.values.allSatisfy(\.isFinite) else {
            throw fail("codebooks.npy", "shape \(codebooks.shape), expected [\(manifest.subspaces), \(manifest.codewords), \(width)] "
                + "finite values")
        }
        let file = try MappedFile(directory + "/lists.bin", kind: "inverted lists")
        let offsets = try Self.offsets(in: file.bytes, manifest: manifest, path: file.path, index: folder)
        let slices = stride(from: 0, to: codebooks.values.count, by: manifest.codewords * width).map {
            Array(codebooks.values[$0..<$0 + manifest.codewords * width])
        }
        (self.manifest, self.file, self.offsets) = (manifest, file, offsets)
        coarse = CentroidTables(centroids.values, dimensions: channels)
        quantizer = ProductQuantizer(codebooks: CentroidTables(slices, dimensions: width), channels: channels)
    }

    /// Where each list starts in lists.bin's `bytes` (whose size is checked first): from 0, never
    /// falling, ending at the positions' count; a damaged file is an error naming `path` and the
    /// command that rebuilds the file of `index`. (The fuzz target inverted-lists runs this.)
    static func offsets(in bytes: UnsafeRawBufferPointer, manifest: InvertedManifest, path: String, index: String) throws -> [Int] {
        func fail(_ problem: String) -> FileReadError {
            FileReadError(file: path, problem: problem + " (rebuild it: atlas index ivf \(index))")
        }
        let expected = byteCount(lists: manifest.lists, positions: manifest.positions, subspaces: manifest.subspaces)
        guard bytes.count == expected, bytes.starts(with: magic) else {
            throw fail("\(bytes.count) bytes\(bytes.starts(with: magic) ? "" : " without the ATLIVF01 magic"), expected \(expected) for "
                + "\(manifest.lists) lists of \(manifest.positions) positions")
        }
        var offsets: [Int] = []
        offsets.reserveCapacity(manifest.lists + 1)
        for list in 0...manifest.lists {
            let offset = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: magic.count + 8 * list, as: UInt64.self))
            guard offset >= UInt64(offsets.last ?? 0), offset <= UInt64(manifest.positions), list > 0 || offset == 0 else {
                throw fail("list \(list) starts at entry \(offset), before the one before it or past the \(manifest.positions) entries")
            }
            offsets.append(Int(offset))
        }
        guard offsets.last == manifest.positions else {
            throw fail("the lists hold \(offsets.last!) entries, the index \(manifest.positions) positions")
        }
        return offsets
    }

    static func byteCount(lists: Int, positions: Int, subspaces: Int) -> Int {
        magic.count + 8 * (lists + 1) + positions * (4 + subspaces)
    }

    /// Entries of list `list`.
    func entries(of list: Int) -> Range<Int> { offsets[list]..<offsets[list + 1] }

    /// The best `count` positions for the unit vector `u` among the entries of its `probe`
    /// nearest lists, by approximate cosine (the list centroid's dot product with u plus the
    /// product-quantised residual's), best first; `parts` splits the lists scanned (for threads).
    func nearest(_ u: [Float], probe: Int, count: Int, part: Int, of parts: Int) -> [ScoredPosition] {
        let lists = manifest.lists, subspaces = manifest.subspaces
        var dots = [Float](repeating: 0, count: lists)
        u.withUnsafeBufferPointer { u in dots.withUnsafeMutableBufferPointer { coarse.dots(u.baseAddress!, into: $0.baseAddress!) } }
        // The probed lists: nearest by L2 (largest u.c - |c|^2 / 2), as positions were filed.
        let keys: [Float] = (0..<lists).map { dots[$0] - coarse.halfNorm(in: 0, $0) }
        let ranked = (0..<lists).sorted { (a: Int, b: Int) -> Bool in keys[a] > keys[b] || (keys[a] == keys[b] && a < b) }
        let probed = ranked.prefix(min(probe, lists))
        let table = u.withUnsafeBufferPointer { quantizer.lookupTable($0.baseAddress!) }
        var heap = TopScores(capacity: count)
        let base = file.bytes.baseAddress!
        let numbers = base + Self.magic.count + 8 * (lists + 1), codes = numbers + 4 * manifest.positions
        table.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            for (rank, list) in probed.enumerated() where rank % parts == part {
                let start = dots[list]
                for entry in entries(of: list) {
                    let code = codes + entry * subspaces
                    var score = start
                    for run in 0..<subspaces {
                        let word = Int(code.load(fromByteOffset: run, as: UInt8.self))
                        score += t[run * 256 + word]
                    }
                    if heap.accepts(score) {
                        let position = UInt32(littleEndian: numbers.loadUnaligned(fromByteOffset: 4 * entry, as: UInt32.self))
                        heap.insert(ScoredPosition(position: position, score: score))
                    }
                }
            }
        }
        return heap.sortedBestFirst()
    }
}

/// A position of the index with its approximate cosine to a query cell.
struct ScoredPosition: Sendable {
    let position: UInt32
    let score: Float
}

/// The best `capacity` scores seen: a min-heap, its root the worst kept.
struct TopScores {
    let capacity: Int
    private var heap: [ScoredPosition] = []

    init(capacity: Int) {
        self.capacity = capacity
        // --per-cell is the user's: reserve what a cell can plausibly fill, grow past it if needed.
        heap.reserveCapacity(min(capacity, 1 << 16))
    }

    /// Whether `score` would be kept (never, with no room at all).
    func accepts(_ score: Float) -> Bool { heap.count < capacity || (capacity > 0 && score > heap[0].score) }

    mutating func insert(_ item: ScoredPosition) {
        if heap.count < capacity {
            heap.append(item)
            var child = heap.count - 1
            while child > 0, case let parent = (child - 1) / 2, heap[child].score < heap[parent].score {
                heap.swapAt(child, parent)
                child = parent
            }
            return
        }
        heap[0] = item
        var parent = 0
        while true {
            let (left, right) = (2 * parent + 1, 2 * parent + 2)
            var smallest = parent
            if left < heap.count && heap[left].score < heap[smallest].score { smallest = left }
            if right < heap.count && heap[right].score < heap[smallest].score { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    func sortedBestFirst() -> [ScoredPosition] {
        heap.sorted { $0.score > $1.score || ($0.score == $1.score && $0.position < $1.position) }
    }
}

/// An inverted file built before the index last changed.
public struct InvertedFileStale: Error, CustomStringConvertible {
    public let folder: String
    public var description: String {
        "\(folder): the index changed after its inverted file was built (rebuild it: atlas index ivf \(folder))"
    }
}
