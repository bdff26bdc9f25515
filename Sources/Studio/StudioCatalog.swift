import ArrayFiles
import Foundation
import InvertedFile
import Models
import Palette
import Search

/// What a studio serves: the palettes found under its palette folders, its indexes and the
/// collections that give exemplar crops. Only these, and of them only the files their manifests
/// name, are ever read on a request's behalf.
public final class StudioCatalog: Sendable {
    /// A palette and its id (its model and layer, `mobilenet_v2-features.13`, with `-2`, `-3` ...
    /// when two share both).
    public struct PaletteEntry: Sendable {
        public let id: String
        /// Absolute and standardised.
        public let folder: String
        public let description: PaletteDescription
        /// The icon file names (`08-00.png`) that `palette.json` lists.
        let icons: Set<String>
    }

    /// An index (`atlas index build`) and its id (its folder's name, made unique the same way).
    public struct IndexEntry: Sendable {
        public let id: String
        public let folder: String
        public let manifest: IndexManifest
        /// The ids of the palettes whose vectors live in the index's space.
        public let palettes: [String]
    }

    public let palettes: [PaletteEntry]
    public let indexes: [IndexEntry]
    /// The ImageNet class names, read once.
    let labels: [String]
    let exemplars: ExemplarSource
    private let loadedPalettes = Memo<String, Palette>()
    private let loadedAttributions = Memo<String, NPYArray>()
    private let loadedIndexes = Memo<String, any ImageRanking>()

    /// Finds every palette under `paletteFolders` (a folder holding `palette.json`, or any folder
    /// below one), and reads the manifests of `indexFolders` and `collectionFolders`.
    public init(paletteFolders: [String], indexFolders: [String] = [], collectionFolders: [String] = []) throws {
        var found: [(folder: String, description: PaletteDescription)] = []
        for root in paletteFolders {
            let folders = try Self.paletteFolders(under: root)
            guard !folders.isEmpty else {
                throw StudioError(.internalServerError, "\(root): no palette here or below (build one with `atlas palette build`)")
            }
            for folder in folders where !found.contains(where: { $0.folder == folder }) {
                guard let description = try PaletteDescription.read(from: folder + "/" + PaletteDescription.fileName,
                                                                    kind: "palette description") else { continue }
                found.append((folder, description))
            }
        }
        var ids = UniqueNames()
        palettes = found.map { folder, description in
            PaletteEntry(id: ids.claim("\(description.model)-\(description.layer)"), folder: folder, description: description,
                         icons: Set(description.cells.map { URL(fileURLWithPath: $0.icon).lastPathComponent }))
        }
        var indexIDs = UniqueNames()
        let palettes = self.palettes
        indexes = try indexFolders.map { folder in
            guard let manifest = try IndexFolder.manifest(in: folder) else {
                throw StudioError(.internalServerError, "\(folder): no index here (build one with `atlas index build`)")
            }
            let origin = manifest.origin
            let matching = palettes.filter {
                $0.description.model == origin.model && $0.description.layer == origin.layer
                    && $0.description.weightsSHA256 == origin.weightsSHA256
            }
            return IndexEntry(id: indexIDs.claim(URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent),
                              folder: URL(fileURLWithPath: folder).standardizedFileURL.path, manifest: manifest,
                              palettes: matching.map(\.id))
        }
        exemplars = try ExemplarSource(collectionFolders: collectionFolders)
        labels = try ImageNetLabels.load()
    }

    /// The folders at or below `root` that hold a `palette.json`, sorted (at most 6 levels down).
    static func paletteFolders(under root: String) throws -> [String] {
        let base = URL(fileURLWithPath: root).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: base.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw StudioError(.internalServerError, "\(root): no such folder (--palettes takes a folder of palettes)")
        }
        var folders: [String] = []
        func visit(_ folder: URL, depth: Int) {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(PaletteDescription.fileName).path) {
                folders.append(folder.path)
                return
            }
            guard depth < 6, let children = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
            for child in children.sorted() where !child.hasPrefix(".") {
                var childIsFolder: ObjCBool = false
                let url = folder.appendingPathComponent(child)
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &childIsFolder), childIsFolder.boolValue {
                    visit(url, depth: depth + 1)
                }
            }
        }
        visit(base, depth: 0)
        return folders
    }

    public func palette(id: String) throws -> PaletteEntry {
        guard let entry = palettes.first(where: { $0.id == id }) else { throw StudioError.notFound("palette '\(id)'") }
        return entry
    }

    /// The served palette a canvas names: by id, or by its folder's path (`path`, the name
    /// resolved as the canvas parser resolves it).
    func palette(named name: String, path: String) -> PaletteEntry? {
        palettes.first { $0.id == name } ?? palettes.first { $0.folder == URL(fileURLWithPath: path).standardizedFileURL.path }
    }

    /// The palette's vectors and whitening, read on first use.
    func loaded(_ entry: PaletteEntry) throws -> Palette {
        try loadedPalettes.value(entry.id) { try Palette.load(entry.folder) }
    }

    /// `attributions.npy`: [cells, attributed classes].
    func attributions(_ entry: PaletteEntry) throws -> NPYArray {
        try loadedAttributions.value(entry.id) {
            let array = try NPY.read(entry.folder + "/" + Palette.attributionsFile)
            let classes = entry.description.attributedClasses?.count ?? 0
            guard array.shape == [entry.description.cells.count, classes] else {
                throw StudioError(.internalServerError, "\(entry.folder)/\(Palette.attributionsFile): expected "
                    + "[\(entry.description.cells.count), \(classes)] (cells x attributed classes), got \(array.shape)")
            }
            return array
        }
    }

    public func index(id: String) throws -> IndexEntry {
        guard let entry = indexes.first(where: { $0.id == id }) else { throw StudioError.notFound("index '\(id)'") }
        return entry
    }

    /// The index, mapped on first use, searched as `atlas search` searches it (through its
    /// inverted file where it has a current one).
    func loaded(_ entry: IndexEntry) throws -> any ImageRanking {
        try loadedIndexes.value(entry.id) {
            try InvertedSearch.searcher(for: MappedIndex(entry.folder)) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        }
    }
}

/// Names made unique by a suffix: "a", "a-2", "a-3".
struct UniqueNames {
    private var taken: Set<String> = []

    mutating func claim(_ name: String) -> String {
        var candidate = name, number = 1
        while taken.contains(candidate) {
            number += 1
            candidate = "\(name)-\(number)"
        }
        taken.insert(candidate)
        return candidate
    }
}
