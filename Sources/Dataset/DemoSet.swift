import ArrayFiles
import Foundation

/// Where the demo photos' sources lie; the defaults are where scripts/setup puts them.
public struct DemoSources: Sendable {
    public var gcomprisResources: String
    public var wallpapers: String
    public var scikitImagePhotos: String

    public init(gcomprisResources: String = "/usr/share/gcompris-qt/rcc", wallpapers: String = "/usr/share/wallpapers",
                scikitImagePhotos: String = ".deps/photos/skimage") {
        self.gcomprisResources = gcomprisResources
        self.wallpapers = wallpapers
        self.scikitImagePhotos = scikitImagePhotos
    }
}

/// Demo photo sources that are not on this machine.
public struct DemoSourcesMissing: Error, CustomStringConvertible {
    public let paths: [String]
    public var description: String {
        "demo photo sources not found (run scripts/setup: it installs gcompris-qt-data and plasma-workspace-wallpapers "
            + "and puts scikit-image's photos in .deps/photos/skimage):\n  " + paths.joined(separator: "\n  ")
    }
}

/// The demo photo set, gathered in memory from the installed packages: about 260 photos
/// (GCompris's WebP photos, the KDE Plasma wallpapers that are photographs, scikit-image's
/// colour photos) filed by category as `<category>/<source>/<path in the source>`, each
/// GCompris folder's README beside its photos, and a manifest entry per photo.
public struct DemoSet {
    /// The name of the manifest written into the set's folder.
    public static let manifestName = "manifest.tsv"

    /// One entry per photo, sorted by path.
    public let entries: [ManifestEntry]
    /// Every file to write, photos and READMEs, by relative path.
    public let files: [String: [UInt8]]
    /// Photos in the sources that no category rule covers: left out.
    public let uncategorised: [String]

    /// Reads all sources; `progress` hears one line per source.
    public init(sources: DemoSources = DemoSources(), progress: (String) -> Void = { _ in }) throws {
        try Self.checkPresent(sources)
        var gathering = Gathering()
        for resource in DemoCatalogue.gcomprisResources {
            let before = gathering.entries.count
            try gathering.addGCompris(resource: resource, file: "\(sources.gcomprisResources)/\(resource).rcc")
            progress("gcompris-qt-data \(resource).rcc: \(gathering.entries.count - before) photos")
        }
        for name in DemoCatalogue.wallpaperPhotos.keys.sorted() {
            try gathering.addWallpaper(name: name, folder: "\(sources.wallpapers)/\(name)")
        }
        progress("plasma-workspace-wallpapers: \(DemoCatalogue.wallpaperPhotos.count) photos")
        for photo in DemoCatalogue.scikitImagePhotos {
            try gathering.addScikitImage(photo, file: "\(sources.scikitImagePhotos)/\(photo.file)")
        }
        progress("scikit-image: \(DemoCatalogue.scikitImagePhotos.count) photos")
        entries = gathering.entries.sorted { $0.path < $1.path }
        files = gathering.files
        uncategorised = gathering.uncategorised
    }

    /// The manifest committed with atlas, describing the set as scripts/setup's packages give it.
    public static func committedManifest() throws -> [ManifestEntry] {
        guard let url = Bundle.module.url(forResource: "demo-manifest", withExtension: "tsv") else {
            throw DataFormatError(file: "demo-manifest.tsv", problem: "not among the Dataset module's resources")
        }
        return try Manifest.read(url.path)
    }

    /// Writes every file under `folder` and the manifest as `folder/manifest.tsv`. Files that
    /// already hold the right bytes are left alone; others are written atomically.
    public func write(to folder: String, progress: (String) -> Void = { _ in }) throws -> (written: Int, unchanged: Int) {
        var written = 0, unchanged = 0
        for (index, path) in files.keys.sorted().enumerated() {
            let bytes = files[path]!
            let destination = "\(folder)/\(path)"
            if let existing = FileManager.default.contents(atPath: destination), existing.elementsEqual(bytes) {
                unchanged += 1
            } else {
                try writeAtomically(Data(bytes), to: destination)
                written += 1
            }
            if (index + 1) % 50 == 0 || index + 1 == files.count { progress("\(index + 1)/\(files.count) files in \(folder)") }
        }
        try Manifest.write(entries, to: "\(folder)/\(Self.manifestName)")
        return (written, unchanged)
    }

    private static func checkPresent(_ sources: DemoSources) throws {
        let needed = DemoCatalogue.gcomprisResources.map { "\(sources.gcomprisResources)/\($0).rcc" }
            + DemoCatalogue.wallpaperPhotos.keys.sorted().map { "\(sources.wallpapers)/\($0)/contents/images" }
            + DemoCatalogue.scikitImagePhotos.map { "\(sources.scikitImagePhotos)/\($0.file)" }
        let missing = needed.filter { !FileManager.default.fileExists(atPath: $0) }
        guard missing.isEmpty else { throw DemoSourcesMissing(paths: missing) }
    }
}

/// The set as it is being gathered.
private struct Gathering {
    var entries: [ManifestEntry] = []
    var files: [String: [UInt8]] = [:]
    var uncategorised: [String] = []

    mutating func add(path: String, category: String, package: String, source: String, credit: Credit?,
                      bytes: [UInt8], file: String) throws {
        let header = try ImageHeader(bytes: bytes, file: file)
        var notes: [String] = []
        if header.shortSide < DemoCatalogue.smallShortSide { notes.append("small") }
        if credit == nil { notes.append("uncredited") }
        entries.append(ManifestEntry(path: path, category: category, package: package, source: source,
                                     credit: credit ?? Credit(licence: "unknown", copyright: "", origin: ""),
                                     width: header.width, height: header.height, sha256: SHA256.hex(bytes),
                                     note: notes.joined(separator: ",")))
        files[path] = bytes
    }

    /// The WebP photos below `gcompris/src/activities/<resource>/resource/`, each credited by
    /// the nearest README above it (copied beside the photos).
    mutating func addGCompris(resource: String, file: String) throws {
        let rcc = try QtResourceFile(path: file)
        let root = "gcompris/src/activities/\(resource)/resource/"
        var readmes: [String: (text: [UInt8], credits: [String: Credit])] = [:]
        for entry in rcc.entries where entry.path.hasPrefix(root) && entry.path.hasSuffix(".webp") {
            let inner = String(entry.path.dropFirst(root.count))
            let shown = Self.droppingImagesFolder(inner)
            let folder = shown.split(separator: "/").dropLast().joined(separator: "/")
            guard let category = DemoCatalogue.gcomprisCategory(resource: resource, folder: folder, fileName: String(entry.name)) else {
                uncategorised.append("\(resource).rcc:/\(entry.path)")
                continue
            }
            var credit: Credit?
            if let readme = Self.nearestReadme(of: inner, below: root, in: rcc) {
                let readmeInner = String(readme.path.dropFirst(root.count))
                if readmes[readme.path] == nil {
                    let text = try rcc.contents(of: readme)
                    readmes[readme.path] = (text, Credit.parseGComprisReadme(String(decoding: text, as: UTF8.self)))
                }
                let (text, credits) = readmes[readme.path]!
                files["\(category)/\(resource)/\(Self.droppingImagesFolder(readmeInner))"] = text
                let key = String(inner.dropFirst(readmeInner.count - "README".count))
                credit = credits[key] ?? DemoCatalogue.gcomprisReadmeMisspellings[key].flatMap { credits[$0] }
            }
            try add(path: "\(category)/\(resource)/\(shown)", category: category, package: "gcompris-qt-data",
                    source: "\(resource).rcc:/\(entry.path)", credit: credit, bytes: try rcc.contents(of: entry),
                    file: "\(file): \(entry.path)")
        }
    }

    /// The wallpaper's largest size (in Debian's package the other sizes are links to it),
    /// credited by the wallpaper's metadata.json.
    mutating func addWallpaper(name: String, folder: String) throws {
        let images = "\(folder)/contents/images"
        let sizes = try FileManager.default.contentsOfDirectory(atPath: images).compactMap { file -> (file: String, area: Int)? in
            let parts = file.split(separator: ".").first?.split(separator: "x").compactMap { Int($0) } ?? []
            return parts.count == 2 ? (file, parts[0] * parts[1]) : nil
        }
        guard let chosen = sizes.max(by: { $0.area < $1.area }) else {
            throw DataFormatError(file: images, problem: "no image named <width>x<height>")
        }
        let path = "\(images)/\(chosen.file)"
        guard let data = FileManager.default.contents(atPath: path) else { throw DataFormatError(file: path, problem: "cannot read the file") }
        let fileExtension = chosen.file.split(separator: ".").last.map { ".\($0)" } ?? ""
        let category = DemoCatalogue.wallpaperPhotos[name]!
        try add(path: "\(category)/plasma-wallpapers/\(name)\(fileExtension)", category: category,
                package: "plasma-workspace-wallpapers", source: "\(name)/contents/images/\(chosen.file)",
                credit: try Self.wallpaperCredit("\(folder)/metadata.json"), bytes: [UInt8](data), file: path)
    }

    mutating func addScikitImage(_ photo: (file: String, category: String, credit: Credit), file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw DataFormatError(file: file, problem: "cannot read the file") }
        try add(path: "\(photo.category)/scikit-image/\(photo.file)", category: photo.category, package: "scikit-image",
                source: "skimage/data/\(photo.file)", credit: photo.credit, bytes: [UInt8](data), file: file)
    }

    /// The README in the photo's folder or the nearest folder above it, up to the activity's
    /// resource folder.
    private static func nearestReadme(of inner: String, below root: String, in rcc: QtResourceFile) -> QtResourceEntry? {
        var folders = inner.split(separator: "/").dropLast().map(String.init)
        while true {
            if let readme = rcc.entry(root + (folders + ["README"]).joined(separator: "/")) { return readme }
            guard !folders.isEmpty else { return nil }
            folders.removeLast()
        }
    }

    private static func droppingImagesFolder(_ path: String) -> String {
        path.hasPrefix("images/") ? String(path.dropFirst("images/".count)) : path
    }

    /// `KPlugin.License` and the authors' names of a wallpaper's metadata.json; nil without one.
    private static func wallpaperCredit(_ file: String) throws -> Credit? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let plugin = json["KPlugin"] as? [String: Any], let licence = plugin["License"] as? String else {
            throw DataFormatError(file: file, problem: "expected a JSON object with KPlugin.License")
        }
        let authors = (plugin["Authors"] as? [[String: Any]] ?? []).compactMap { $0["Name"] as? String }
        return Credit(licence: Credit.normalisedLicence(licence), copyright: authors.joined(separator: ", "), origin: "")
    }
}
