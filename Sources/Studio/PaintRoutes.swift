import Foundation
import Hummingbird
import Paint

/// Paint: queue a canvas, follow its job (JSON or server-sent events), cancel it, fetch its files.
struct PaintRoutes {
    let catalog: StudioCatalog
    let jobs: PaintQueue

    struct JobAnswer: Encodable, Equatable {
        let job: Int
        let state: String
        let step, steps: Int
        let title: String
        let preview, image, sheet, report: String?
        let canvas: String
        let error: String?

        init(_ status: PaintQueue.Status) {
            let files = "/files/jobs/\(status.id)/"
            let done = status.state == .done
            (job, state, step, steps, title) = (status.id, status.state.rawValue, status.step, status.steps, status.title)
            preview = status.hasPreview ? files + "preview.png" : nil
            (image, sheet, report) = done ? (files + "image.png", files + "sheet.png", files + "report.json") : (nil, nil, nil)
            (canvas, error) = (files + "canvas.toml", status.error)
        }
    }

    /// The files of a job and their types.
    static let files = ["preview.png": "image/png", "image.png": "image/png", "sheet.png": "image/png",
                        "report.json": "application/json", "canvas.toml": "application/toml; charset=utf-8"]

    func add(to router: Router<BasicRequestContext>) {
        let (catalog, jobs) = (self.catalog, self.jobs)
        router.post("/api/paint") { request, _ in
            var request = request
            let text = try await request.text()
            let canvas = try await offload { try CanvasRequest(text, catalog: catalog) }
            let order = PaintQueue.Order(canvasText: text, title: canvas.title, resolved: canvas.resolved, palette: canvas.palette,
                                         options: PaintOptions(settings: canvas.canvas.settings))
            return try Reply.json(["job": try jobs.submit(order)], status: .accepted)
        }
        router.get("/api/jobs/:id") { _, context in
            try Reply.json(JobAnswer(try Self.status(context, jobs)))
        }
        router.delete("/api/jobs/:id") { _, context in
            let id = try Self.status(context, jobs).id
            guard let status = jobs.cancel(id) else { throw StudioError.notFound("job \(id)") }
            return try Reply.json(JobAnswer(status))
        }
        router.get("/api/jobs/:id/events") { _, context in
            let id = try Self.status(context, jobs).id
            var headers: HTTPFields = [.contentType: "text/event-stream"]
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                // An event whenever the job changes, and at least every second; the last when it ends.
                var (last, lastSent): (JobAnswer?, ContinuousClock.Instant) = (nil, .now)
                while let status = jobs.status(id) {
                    let answer = JobAnswer(status)
                    if answer != last || ContinuousClock.now - lastSent >= .seconds(1) {
                        try await writer.write(ByteBuffer(bytes: Data("data: ".utf8) + Reply.jsonData(answer) + Data("\n\n".utf8)))
                        (last, lastSent) = (answer, .now)
                    }
                    if status.state.isFinal { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                try await writer.finish(nil)
            })
        }
        router.get("/files/jobs/:id/:name") { _, context in
            let id = try Self.status(context, jobs).id
            let name = try context.parameters.require("name")
            guard let type = Self.files[name], let data = jobs.file(id, name) else {
                throw StudioError.notFound("file '\(name)' of job \(id) (yet)")
            }
            return Reply.bytes(data, type: type, cache: false)
        }
    }

    static func status(_ context: BasicRequestContext, _ jobs: PaintQueue) throws -> PaintQueue.Status {
        let text = try context.parameters.require("id")
        guard let id = Int(text), let status = jobs.status(id) else { throw StudioError.notFound("job '\(text)'") }
        return status
    }
}
