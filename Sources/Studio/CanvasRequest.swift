import Foundation
import Paint
import Palette
import Search

/// A canvas sent to the studio (to paint, or to search with), parsed and resolved against the
/// served palette it names. Every problem is a 400 with the message `atlas canvas check` gives.
struct CanvasRequest: Sendable {
    /// Errors name the canvas this way.
    static let name = "canvas.toml"

    let text: String
    let canvas: Canvas
    let entry: StudioCatalog.PaletteEntry
    let palette: Palette
    let resolved: ResolvedCanvas

    init(_ text: String, catalog: StudioCatalog) throws {
        do {
            canvas = try Canvas(parsing: text, path: Self.name)
            guard let entry = catalog.palette(named: canvas.paletteName, path: canvas.palettePath) else {
                throw canvas.error(key: "palette", "palette '\(canvas.paletteName)' is not one this studio serves "
                    + "(it serves \(catalog.palettes.map(\.id).joined(separator: ", ")))")
            }
            // Photo and stamp brushes read files on the server's disk: not on a request's behalf.
            if let brush = canvas.brushes.first(where: { $0.source.needsNetwork }) {
                throw canvas.error(brush: brush, "photo and stamp brushes read files on the server's disk, so the studio does "
                    + "not paint them: use cell, class and mix brushes here, or paint this canvas with `atlas paint`")
            }
            self.entry = entry
            palette = try catalog.loaded(entry)
            resolved = try canvas.resolve(palette: palette, network: nil)
            self.text = text
        } catch let error as StudioError {
            throw error
        } catch {
            throw StudioError(.badRequest, "\(error)")
        }
    }

    /// The canvas's title, or "canvas" when it has none.
    var title: String { canvas.title ?? "canvas" }
}
