import Foundation
import Hummingbird
import Imaging
import Search

/// Search: rank an index's photos by a drawn grid; the photos as the index saw them.
struct SearchRoutes {
    let catalog: StudioCatalog

    struct IndexSummary: Encodable {
        let id, model, layer: String
        let photos: Int
        let scales: [Int]
        let palettes: [String]
    }

    struct Hit: Encodable {
        struct Box: Encodable {
            let left, top, width, height: Double
        }
        let image: String
        let score: Float
        let row, col, side: Int
        let photo: String
        let box: Box
    }

    func add(to router: Router<BasicRequestContext>) {
        let catalog = self.catalog
        router.get("/api/indexes") { _, _ in
            try Reply.json(catalog.indexes.map {
                IndexSummary(id: $0.id, model: $0.manifest.origin.model, layer: $0.manifest.origin.layer,
                             photos: $0.manifest.images.count, scales: $0.manifest.scales, palettes: $0.palettes)
            })
        }
        router.post("/api/search") { request, _ in
            var request = request
            guard let id = request.uri.queryParameters["index"].map(String.init) else {
                throw StudioError(.badRequest, "give the index: /api/search?index=ID (GET /api/indexes lists them)")
            }
            let entry = try catalog.index(id: id)
            let top = try request.integer("top", in: 1...Studio.maximumHits, default: 12)
            let text = try await request.text()
            let hits = try await offload { () -> [Hit] in
                let canvas = try CanvasRequest(text, catalog: catalog)
                guard entry.palettes.contains(canvas.entry.id) else {
                    throw StudioError(.badRequest, "palette \(canvas.entry.id) is not of index \(entry.id)'s model and layer "
                        + "(\(entry.manifest.origin.model) \(entry.manifest.origin.layer)); search it with "
                        + (entry.palettes.isEmpty ? "a palette of that layer" : entry.palettes.joined(separator: " or ")))
                }
                let query = try GridQuery(canvas: canvas.resolved)
                let stride = Double(entry.manifest.origin.stride)
                return try catalog.loaded(entry).ranking(query, top: top).map { hit in
                    let side = Double(hit.side)
                    return Hit(image: hit.path, score: hit.score, row: hit.row, col: hit.column, side: hit.side,
                               photo: "/files/indexes/\(entry.id)/photos/\(hit.image)/\(hit.side).png",
                               box: Hit.Box(left: Double(hit.column) * stride / side, top: Double(hit.row) * stride / side,
                                            width: Double(query.columns) * stride / side, height: Double(query.rows) * stride / side))
                }
            }
            return try Reply.json(hits)
        }
        router.get("/files/indexes/:id/photos/:image/:side") { _, context in
            let entry = try catalog.index(id: context.parameters.require("id"))
            let (imageText, sideText) = (try context.parameters.require("image"), try context.parameters.require("side"))
            // Only the photos the manifest lists, at the scales it was built at.
            guard let image = Int(imageText), entry.manifest.images.indices.contains(image), sideText.hasSuffix(".png"),
                  let side = Int(sideText.dropLast(4)), entry.manifest.scales.contains(side) else {
                throw StudioError.notFound("photo \(imageText) at \(sideText) in index \(entry.id)")
            }
            let path = entry.manifest.images[image].path
            return Reply.png(try await offload {
                do {
                    return try IndexView.fitted(decodeImage(at: path), side: side).pngData()
                } catch {
                    throw StudioError(.notFound, "\(error)")
                }
            })
        }
    }
}
