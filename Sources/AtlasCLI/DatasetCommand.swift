import ArgumentParser
import Dataset
import Foundation

/// `atlas dataset`: the demo photo set.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "The demo photo set.",
        subcommands: [Demo.self])

    /// `atlas dataset demo`: extracts the demo photos and checks them against the committed manifest.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract the demo photos from the installed packages and check them against the committed manifest.",
            discussion: """
                Photos come from GCompris's resource files (gcompris-qt-data), the KDE Plasma wallpapers \
                that are photographs (plasma-workspace-wallpapers) and scikit-image's colour photos \
                (.deps/photos/skimage); scripts/setup installs all three. They are written as \
                <output>/<category>/<source>/..., with each GCompris folder's README, and listed in \
                <output>/manifest.tsv. Running it again rewrites only files that differ.
                """)

        @Option(name: .shortAndLong, help: "The folder to fill.")
        var output = "data/demo"

        @Option(help: "The folder of GCompris's .rcc resource files.")
        var gcompris = DemoSources().gcomprisResources

        @Option(help: "The folder of KDE Plasma's wallpapers.")
        var wallpapers = DemoSources().wallpapers

        @Option(help: "The folder of scikit-image's photos.")
        var skimage = DemoSources().scikitImagePhotos

        @Option(help: "Also write the manifest of what was extracted to this path (to update the committed one, Sources/Dataset/Resources/demo-manifest.tsv).")
        var writeManifest: String?

        func run() throws {
            let sources = DemoSources(gcomprisResources: gcompris, wallpapers: wallpapers, scikitImagePhotos: skimage)
            let set = try DemoSet(sources: sources) { print($0) }
            let counts = try set.write(to: output) { print($0) }
            if let path = writeManifest { try Manifest.write(set.entries, to: path) }

            print("\n\(set.entries.count) photos in \(output) (\(counts.written) files written, \(counts.unchanged) unchanged):")
            for (category, entries) in Dictionary(grouping: set.entries, by: \.category).sorted(by: { $0.key < $1.key }) {
                print("  \(category.padding(toLength: 14, withPad: " ", startingAt: 0)) \(entries.count)")
            }
            let bytes = set.entries.reduce(0) { $0 + (set.files[$1.path]?.count ?? 0) }
            let small = set.entries.filter { $0.note.split(separator: ",").contains("small") }.count
            print("  \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB of photos; \(small) with a short side under \(DemoCatalogue.smallShortSide) px (flagged 'small')")
            for path in set.uncategorised { print("  left out, no category rule: \(path)") }

            let differences = Manifest.differences(expected: try DemoSet.committedManifest(), actual: set.entries)
            guard differences.isEmpty else {
                print("\nThe extracted set differs from the committed manifest in \(differences.count) ways (the installed packages may be other versions):")
                for line in differences { print("  \(line)") }
                throw ExitCode.failure
            }
            print("All photos match the committed manifest.")
        }
    }
}
