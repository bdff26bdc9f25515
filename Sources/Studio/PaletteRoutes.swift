import ArrayFiles
import Foundation
import Hummingbird
import Models
import Palette

/// Explore: the palettes, their cells, attributions, icons and exemplar crops.
struct PaletteRoutes {
    let catalog: StudioCatalog

    struct Summary: Encodable {
        let id, model, layer: String
        let grid, cells, stride, channels, samples, images: Int
        let atlas: String
    }

    struct Detail: Encodable {
        struct Cell: Encodable {
            let column, row, count: Int
            let label, icon: String
        }
        let id, model, layer: String
        let grid, stride, channels, samples, images: Int
        let atlas: String
        let cells: [Cell]
        let classes: [String]
        let exemplars: Bool
    }

    struct CellAnswer: Encodable {
        struct Top: Encodable {
            let label: String
            let attribution: Float
        }
        let column, row, count: Int
        let top: [Top]
        let icon: String
        let exemplars: [String]
    }

    struct Attributions: Encodable {
        let `class`: String
        let values: [Float]
    }

    func add(to router: Router<BasicRequestContext>) {
        let catalog = self.catalog
        router.get("/api/palettes") { _, _ in
            try Reply.json(catalog.palettes.map { entry in
                let d = entry.description
                return Summary(id: entry.id, model: d.model, layer: d.layer, grid: d.grid, cells: d.cells.count, stride: d.stride,
                               channels: d.channels, samples: d.samples, images: d.images, atlas: Self.url(entry, "atlas.png"))
            })
        }
        router.get("/api/palettes/:id") { _, context in
            let entry = try catalog.palette(id: context.parameters.require("id"))
            let d = entry.description
            let labels = catalog.labels
            let classes = (d.attributedClasses ?? []).compactMap { labels.indices.contains($0) ? labels[$0] : nil }
            return try Reply.json(Detail(
                id: entry.id, model: d.model, layer: d.layer, grid: d.grid, stride: d.stride, channels: d.channels,
                samples: d.samples, images: d.images, atlas: Self.url(entry, "atlas.png"),
                cells: d.cells.map { Detail.Cell(column: $0.column, row: $0.row, count: $0.count, label: $0.label,
                                                 icon: Self.iconURL(entry, $0)) },
                classes: classes, exemplars: catalog.exemplars.collection(of: entry) != nil))
        }
        router.get("/api/palettes/:id/cells/:cell") { _, context in
            let entry = try catalog.palette(id: context.parameters.require("id"))
            let index = try Self.cell(context.parameters.require("cell"), of: entry)
            let cell = entry.description.cells[index]
            let found = try await offload {
                try catalog.exemplars.nearest(cell: index, of: entry, palette: catalog.loaded(entry)).count
            }
            return try Reply.json(CellAnswer(
                column: cell.column, row: cell.row, count: cell.count,
                top: cell.classes.prefix(5).map { CellAnswer.Top(label: $0.label, attribution: $0.attribution) },
                icon: Self.iconURL(entry, cell),
                exemplars: (0..<found).map { Self.url(entry, "exemplars/\(cell.column),\(cell.row)/\($0).png") }))
        }
        router.get("/api/palettes/:id/attributions") { request, context in
            let entry = try catalog.palette(id: context.parameters.require("id"))
            guard let name = request.uri.queryParameters["class"].map(String.init), !name.isEmpty else {
                throw StudioError(.badRequest, "give the class: attributions?class=LABEL")
            }
            let labels = catalog.labels
            let classIndex: Int
            do {
                classIndex = try ClassLookup.resolve(name, labels: labels)
            } catch {
                throw StudioError(.notFound, "\(error)")
            }
            guard let column = entry.description.attributedClasses?.firstIndex(of: classIndex) else {
                throw StudioError(.notFound, "no cell of palette \(entry.id) is attributed to '\(labels[classIndex])'")
            }
            let array = try await offload { try catalog.attributions(entry) }
            let classes = array.shape[1]
            return try Reply.json(Attributions(class: labels[classIndex],
                                               values: (0..<array.shape[0]).map { array.values[$0 * classes + column] }))
        }
        router.get("/files/palettes/:id/atlas.png") { _, context in
            let entry = try catalog.palette(id: context.parameters.require("id"))
            return Reply.png(try await offload { try Self.read(entry.folder + "/" + Palette.atlasFile) })
        }
        router.get("/files/palettes/:id/icons/:name") { _, context in
            let entry = try catalog.palette(id: context.parameters.require("id"))
            let name = try context.parameters.require("name")
            // Only the icons palette.json lists: no other path under (or above) the palette is served.
            guard entry.icons.contains(name) else { throw StudioError.notFound("icon '\(name)' in palette \(entry.id)") }
            return Reply.png(try await offload { try Self.read(entry.folder + "/icons/" + name) })
        }
        router.get("/files/palettes/:id/exemplars/:cell/:name") { _, context in
            let entry = try catalog.palette(id: context.parameters.require("id"))
            let index = try Self.cell(context.parameters.require("cell"), of: entry)
            let name = try context.parameters.require("name")
            guard name.hasSuffix(".png"), let k = Int(name.dropLast(4)), k >= 0, k < ExemplarSource.perCell else {
                throw StudioError.notFound("exemplar '\(name)'")
            }
            return Reply.png(try await offload {
                try catalog.exemplars.crop(k, cell: index, of: entry, palette: catalog.loaded(entry))
            })
        }
    }

    /// "column,row" as the index of a kept cell of the palette; 404 otherwise.
    static func cell(_ text: String, of entry: StudioCatalog.PaletteEntry) throws -> Int {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let column = parts[0], let row = parts[1],
              let index = entry.description.cells.firstIndex(where: { $0.column == column && $0.row == row }) else {
            throw StudioError.notFound("kept cell '\(text)' in palette \(entry.id) (cells are COLUMN,ROW)")
        }
        return index
    }

    static func url(_ entry: StudioCatalog.PaletteEntry, _ file: String) -> String { "/files/palettes/\(entry.id)/\(file)" }

    static func iconURL(_ entry: StudioCatalog.PaletteEntry, _ cell: PaletteCell) -> String {
        url(entry, "icons/" + URL(fileURLWithPath: cell.icon).lastPathComponent)
    }

    /// A file of a served palette.
    static func read(_ path: String) throws -> Data {
        try RegularFile.read(path, kind: "palette file", limit: 64 << 20)
    }
}
