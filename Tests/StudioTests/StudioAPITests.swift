import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Models
import Palette
import Search
import Studio
import TestSupport
import XCTest

/// The studio's JSON API through Hummingbird's router tester: the shipped palettes, a real
/// painting on MobileNetV2, a real index of a few photos, and the refusals (path traversal,
/// bad canvases, limits).
final class StudioAPITests: XCTestCase {
    static let palettes = TestFiles.path("palettes")
    static let f13 = "mobilenet_v2-features.13"

    func application(jobs: PaintQueue = PaintQueue(), indexes: [String] = []) throws -> some ApplicationProtocol {
        try Studio.application(catalog: StudioCatalog(paletteFolders: [Self.palettes], indexFolders: indexes), jobs: jobs)
    }

    /// Two kept cells of the features.13 palette, as canvas brushes.
    func brushes() throws -> (a: String, b: String) {
        let cells = try Palette.load(Self.palettes + "/mobilenet_v2/features.13").description.cells
        return ("a = { cell = [\(cells[0].column), \(cells[0].row)] }", "b = { cell = [\(cells[1].column), \(cells[1].row)] }")
    }

    func testPalettesCellsAttributionsAndIcons() async throws {
        let app = try application()
        let palette = try Palette.load(Self.palettes + "/mobilenet_v2/features.13")
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/palettes", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let list = try XCTUnwrap(try API.json(response) as? [[String: Any]])
                XCTAssertEqual(Set(list.compactMap { $0["id"] as? String }),
                               ["mobilenet_v2-features.6", Self.f13, "mobilenet_v2-features.17", "efficientnet_lite0-_blocks.10",
                                "efficientnet_lite0_onnx-_blocks.10"])
                let f13 = try XCTUnwrap(list.first { $0["id"] as? String == Self.f13 })
                XCTAssertEqual(f13["cells"] as? Int, palette.description.cells.count)
                XCTAssertEqual(f13["grid"] as? Int, palette.description.grid)
            }
            try await client.execute(uri: "/api/palettes/\(Self.f13)", method: .get) { response in
                let detail = try XCTUnwrap(try API.json(response) as? [String: Any])
                let cells = try XCTUnwrap(detail["cells"] as? [[String: Any]])
                XCTAssertEqual(cells.count, palette.description.cells.count)
                XCTAssertEqual(cells[0]["label"] as? String, palette.description.cells[0].label)
                XCTAssertEqual((detail["classes"] as? [String])?.count, palette.description.attributedClasses?.count)
            }
            let cell = palette.description.cells[5]
            try await client.execute(uri: "/api/palettes/\(Self.f13)/cells/\(cell.column),\(cell.row)", method: .get) { response in
                let answer = try XCTUnwrap(try API.json(response) as? [String: Any])
                XCTAssertEqual(answer["count"] as? Int, cell.count)
                let top = try XCTUnwrap(answer["top"] as? [[String: Any]])
                XCTAssertEqual(top.map { $0["label"] as? String }, cell.classes.prefix(5).map(\.label))
                let icon = try XCTUnwrap(answer["icon"] as? String)
                try await client.execute(uri: icon, method: .get) { image in
                    XCTAssertEqual(image.status, .ok)
                    XCTAssertEqual(Data(image.body.readableBytesView),
                                   FileManager.default.contents(atPath: palette.path(cell.icon)))
                }
            }
            try await client.execute(uri: "/api/palettes/\(Self.f13)/cells/0,999", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            // The class filter: one value per cell, the class's best cell positive, a synonym finds the class.
            try await client.execute(uri: "/api/palettes/\(Self.f13)/attributions?class=goldfish", method: .get) { response in
                let answer = try XCTUnwrap(try API.json(response) as? [String: Any])
                let values = try XCTUnwrap(answer["values"] as? [Double])
                XCTAssertEqual(values.count, palette.description.cells.count)
                let best = try XCTUnwrap(palette.cell(forClass: "goldfish, Carassius auratus"))
                XCTAssertGreaterThan(values[best], 0)
                XCTAssertTrue(values.contains { $0 < 0 }, "no cell argues against goldfish")
            }
            try await client.execute(uri: "/api/palettes/\(Self.f13)/attributions?class=no-such-class", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertTrue(API.text(response).contains("\"error\""))
            }
        }
    }

    /// Only the files the palettes' manifests name are served: traversal and unlisted files are 404s.
    func testPathTraversalIsRefused() async throws {
        let app = try application()
        try await app.test(.router) { client in
            for uri in ["/files/palettes/\(Self.f13)/icons/..%2Fpalette.json", "/files/palettes/\(Self.f13)/icons/../palette.json",
                        "/files/palettes/\(Self.f13)/icons/..%2F..%2F..%2FPackage.swift", "/files/palettes/..%2F..%2FPackage.swift/atlas.png",
                        "/files/palettes/\(Self.f13)/icons/vectors.npy", "/static/..%2F..%2F..%2FPackage.swift", "/static/index.html",
                        "/files/palettes/\(Self.f13)/%2E%2E/vectors.npy", "/files/jobs/1/..%2F..%2Fetc%2Fpasswd",
                        "/files/indexes/none/photos/0/224.png"] {
                try await client.execute(uri: uri, method: .get) { response in
                    XCTAssertEqual(response.status, .notFound, uri)
                    XCTAssertFalse(API.text(response).contains("swift-tools-version"), uri)
                }
            }
        }
    }

    /// A bad canvas is a 400 with the message `atlas canvas check` gives; a body over 1 MiB a 413;
    /// photo brushes and unserved palettes are refused.
    func testBadCanvasesAreRefusedWithLineAndColumn() async throws {
        let app = try application()
        let (a, _) = try brushes()
        let cases: [(body: String, status: HTTPResponse.Status, says: String)] = [
            ("palette = \"\(Self.f13)\"\ngrid = '''\naa\n'''\n[brushes]\na = { cel = [1, 1] }\n", .badRequest, "canvas.toml:6:7: unknown key 'cel'"),
            ("palette = \"\(Self.f13)\"\ngrid = '''\nax\n'''\n[brushes]\n\(a)\n", .badRequest, "canvas.toml:3:"),
            ("palette = \"\(Self.f13)\"\ngrid = [\n", .badRequest, "canvas.toml:3:1: not valid TOML"),
            ("palette = \"../../etc\"\ngrid = '''\na\n'''\n[brushes]\n\(a)\n", .badRequest, "is not one this studio serves"),
            ("palette = \"\(Self.f13)\"\ngrid = '''\np\n'''\n[brushes]\np = { photo = \"/etc/hostname\", at = [0, 0] }\n", .badRequest,
             "photo and stamp brushes"),
            ("palette = \"\(Self.f13)\"\ngrid = '''\na\n'''\n[brushes]\n\(a)\n[settings]\nsize = 100000\n", .badRequest, "canvas.toml:8:"),
            (String(repeating: "#", count: Studio.maximumBodyBytes + 1), .contentTooLarge, "MiB"),
        ]
        try await app.test(.router) { client in
            for (body, status, says) in cases {
                try await client.execute(uri: "/api/paint", method: .post, body: ByteBuffer(string: body)) { response in
                    XCTAssertEqual(response.status, status, body.prefix(80) + "")
                    let message = (try? API.json(response) as? [String: Any])?["error"] as? String ?? ""
                    XCTAssertTrue(message.contains(says), "'\(message)' does not say '\(says)'")
                }
            }
            try await client.execute(uri: "/api/palettes", method: .get) { XCTAssertEqual($0.status, .ok) }
        }
    }

    /// A small canvas painted on the real network to the end: progress, the image, the sheet,
    /// the report, the canvas back, the event stream; a failing job reports its error and the
    /// server stays up; a queued job can be cancelled; a full queue is a 429.
    func testPaintsACanvasReportsFailuresCancelsAndLimitsTheQueue() async throws {
        let jobs = PaintQueue(maximumQueued: 1)
        let app = try application(jobs: jobs)
        let (a, b) = try brushes()
        let canvas = "title = \"two cells\"\npalette = \"\(Self.f13)\"\ngrid = '''\nab\nba\n'''\n[brushes]\n\(a)\n\(b)\n"
            + "[settings]\nsteps = 6\nsize = 64\n"
        try await app.test(.router) { client in
            let id = try await client.execute(uri: "/api/paint", method: .post, body: ByteBuffer(string: canvas)) { response in
                XCTAssertEqual(response.status, .accepted, API.text(response))
                return try XCTUnwrap((try API.json(response) as? [String: Any])?["job"] as? Int)
            }
            let done = try await API.waitForEnd(of: id, client)
            XCTAssertEqual(done["state"] as? String, "done", "\(done)")
            XCTAssertEqual(done["step"] as? Int, 6)
            for key in ["image", "sheet", "preview", "report", "canvas"] {
                let uri = try XCTUnwrap(done[key] as? String, key)
                try await client.execute(uri: uri, method: .get) { response in
                    XCTAssertEqual(response.status, .ok, uri)
                    if key == "image" {
                        let image = try decodeImage(Data(response.body.readableBytesView), name: uri)
                        XCTAssertEqual(max(image.width, image.height), 64)
                    }
                    if key == "canvas" { XCTAssertEqual(API.text(response), canvas) }
                    if key == "report" { XCTAssertNotNil((try API.json(response) as? [String: Any])?["brushes"]) }
                }
            }
            try await client.execute(uri: "/api/jobs/\(id)/events", method: .get) { response in
                XCTAssertEqual(response.headers[.contentType], "text/event-stream")
                XCTAssertTrue(API.text(response).hasPrefix("data: {"), API.text(response))
                XCTAssertTrue(API.text(response).contains("\"state\":\"done\""))
            }

            // A canvas the painter cannot paint at its size fails as a job, with its error; the server stays up.
            let tiny = canvas.replacingOccurrences(of: "size = 64", with: "size = 16")
            let failed = try await API.waitForEnd(of: try await API.submit(tiny, client), client)
            XCTAssertEqual(failed["state"] as? String, "failed", "\(failed)")
            XCTAssertFalse((failed["error"] as? String ?? "").isEmpty)

            // One long job runs, one waits, the next is refused; both are cancelled.
            let long = canvas.replacingOccurrences(of: "steps = 6", with: "steps = 5000")
            // (The second is sent once the first has left the queue: on a loaded machine it may not
            // have started yet, and would still count as waiting.)
            let running = try await API.submit(long, client)
            _ = try await API.wait(for: running, client) { $0 != "queued" }
            let waiting = try await API.submit(long, client)
            try await client.execute(uri: "/api/paint", method: .post, body: ByteBuffer(string: long)) { response in
                XCTAssertEqual(response.status, .tooManyRequests, API.text(response))
            }
            for job in [waiting, running] {
                try await client.execute(uri: "/api/jobs/\(job)", method: .delete) { XCTAssertEqual($0.status, .ok) }
            }
            for job in [running, waiting] {
                let end = try await API.waitForEnd(of: job, client)
                XCTAssertEqual(end["state"] as? String, "cancelled")
                XCTAssertLessThan(end["step"] as? Int ?? 5000, 5000)
            }
            try await client.execute(uri: "/api/jobs/999", method: .get) { XCTAssertEqual($0.status, .notFound) }
        }
    }

    /// Search through the API gives the library's ranking, with each hit's photo and region.
    func testSearchGivesTheIndexRankingWithPhotosAndBoxes() async throws {
        let folder = try TestFiles.temporaryFolder("studio-index", removedAfter: self)
        let network = try RealNetworks.mobileNetV2()
        let source = try NetworkGridSource(network: network, layer: "features.13",
                                           weightsSHA256: try XCTUnwrap(ModelName.mobileNetV2.weightsFile.sha256))
        let photos = ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg"].map(TestFiles.photo)
        _ = try IndexBuilder(folder: folder + "/index", source: source, scales: [224]).build(photos)
        let app = try application(indexes: [folder + "/index"])
        let query = "palette = \"\(Self.f13)\"\ngrid = '''\nt\n'''\n[brushes]\nt = { class = \"tabby\" }\n"
        let palette = try Palette.load(Self.palettes + "/mobilenet_v2/features.13")
        let expected = try IndexFolder.load(folder + "/index").index
            .ranking(GridQuery.brush("tabby", palette: palette, labels: ImageNetLabels.load()), top: 3)
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/indexes", method: .get) { response in
                let list = try XCTUnwrap(try API.json(response) as? [[String: Any]])
                XCTAssertEqual(list.first?["id"] as? String, "index")
                XCTAssertEqual(list.first?["palettes"] as? [String], [Self.f13])
            }
            try await client.execute(uri: "/api/search?index=index&top=3", method: .post, body: ByteBuffer(string: query)) { response in
                XCTAssertEqual(response.status, .ok, API.text(response))
                let hits = try XCTUnwrap(try API.json(response) as? [[String: Any]])
                XCTAssertEqual(hits.map { $0["image"] as? String }, expected.map(\.path))
                for (hit, reference) in zip(hits, expected) {
                    XCTAssertEqual(hit["score"] as? Double ?? 0, Double(reference.score), accuracy: 1e-6)
                    XCTAssertEqual(hit["row"] as? Int, reference.row)
                    let box = try XCTUnwrap(hit["box"] as? [String: Double])
                    XCTAssertEqual(box["width"] ?? 0, 16.0 / 224, accuracy: 1e-9)
                    XCTAssertTrue((0...1).contains(box["left"] ?? -1) && (0...1).contains(box["top"] ?? -1))
                    let photo = try XCTUnwrap(hit["photo"] as? String)
                    try await client.execute(uri: photo, method: .get) { image in
                        XCTAssertEqual(try decodeImage(Data(image.body.readableBytesView), name: photo).width, 224)
                    }
                }
                XCTAssertEqual(hits.first?["image"] as? String, TestFiles.photo("chelsea.png"), "the cat is not the best tabby")
            }
            try await client.execute(uri: "/api/search?index=index&top=0", method: .post, body: ByteBuffer(string: query)) { response in
                XCTAssertEqual(response.status, .badRequest)
            }
            try await client.execute(uri: "/api/search?index=other", method: .post, body: ByteBuffer(string: query)) { response in
                XCTAssertEqual(response.status, .notFound)
            }
        }
    }
}

/// Reading the API's answers.
enum API {
    static func json(_ response: TestResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
    }

    static func text(_ response: TestResponse) -> String { String(decoding: response.body.readableBytesView, as: UTF8.self) }

    static func submit(_ canvas: String, _ client: some TestClientProtocol) async throws -> Int {
        try await client.execute(uri: "/api/paint", method: .post, body: ByteBuffer(string: canvas)) { response in
            XCTAssertEqual(response.status, .accepted, API.text(response))
            return try XCTUnwrap((try API.json(response) as? [String: Any])?["job"] as? Int)
        }
    }

    /// Polls the job until it ends (at most two minutes).
    static func waitForEnd(of job: Int, _ client: some TestClientProtocol) async throws -> [String: Any] {
        try await wait(for: job, client) { ["done", "failed", "cancelled"].contains($0) }
    }

    /// Polls the job until its state passes `test` (at most two minutes).
    static func wait(for job: Int, _ client: some TestClientProtocol, until test: (String) -> Bool) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let answer = try await client.execute(uri: "/api/jobs/\(job)", method: .get) { response in
                try XCTUnwrap(try API.json(response) as? [String: Any])
            }
            if test(answer["state"] as? String ?? "") { return answer }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("job \(job) did not reach the state awaited within two minutes")
    }
}
