import ArgumentParser
import Foundation
import ONNX
import Studio

/// `atlas studio`: the web studio (docs/studio.md).
struct StudioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studio",
        abstract: "Explore atlases, paint and search in the browser: a local web studio.",
        discussion: """
            Serves a page that draws each palette's atlas (zoom, pan, a panel per cell with its top classes and \
            exemplar crops, a class filter), paints canvases drawn on it (progress and the image as it forms, the \
            sheet, the PNG and the canvas file to download) and, with --index, searches photos with a drawn grid. \
            Prints the URL, then serves until interrupted (Ctrl-C or SIGTERM). The page and its JSON API: \
            docs/studio.md.
            """)

    @Option(parsing: .unconditional, help: "The port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "The address to listen on: 127.0.0.1 serves this machine only; 0.0.0.0 serves the network.")
    var host = "127.0.0.1"

    @Option(name: .customLong("palettes"), help: "A folder of palettes: every folder at or below it holding a palette.json (repeatable; default: palettes).")
    var paletteFolders: [String] = []

    @Option(name: .customLong("index"), help: "An index to search (`atlas index build`; repeatable).")
    var indexFolders: [String] = []

    @Option(name: .customLong("collection"), help: "A collection (`atlas collect`) whose photos give exemplar crops of the palettes built from it (repeatable).")
    var collectionFolders: [String] = []

    @Option(name: .customLong("model"), help: "The model card (.toml) of your own ONNX model, which its palettes paint with (repeatable).")
    var modelCards: [String] = []

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535, got \(port)") }
    }

    func run() throws {
        let catalog = try StudioCatalog(paletteFolders: paletteFolders.isEmpty ? ["palettes"] : paletteFolders,
                                        indexFolders: indexFolders, collectionFolders: collectionFolders)
        let palettes = catalog.palettes.count, indexes = catalog.indexes.count
        let jobs = PaintQueue(modelCards: try modelCards.map { try ModelCard(contentsOf: $0) })
        let application = try Studio.application(catalog: catalog, jobs: jobs, host: host, port: port) { url in
            print("atlas studio: \(palettes) palette\(palettes == 1 ? "" : "s")"
                + (indexes > 0 ? " and \(indexes) index\(indexes == 1 ? "" : "es")" : "") + " on \(url)")
            fflush(nil)
        }
        try waitFor { try await Studio.serve(application, host: host, port: port) }
    }
}

/// Runs `work` to its end from synchronous code (the command's `run`), rethrowing its error.
private func waitFor(_ work: @escaping @Sendable () async throws -> Void) throws {
    // @unchecked Sendable: `error` is written by the task before it signals and read after the wait.
    final class Outcome: @unchecked Sendable { var error: (any Error)? }
    let outcome = Outcome(), done = DispatchSemaphore(value: 0)
    Task {
        do { try await work() } catch { outcome.error = error }
        done.signal()
    }
    done.wait()
    if let error = outcome.error { throw error }
}
