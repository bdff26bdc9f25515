import Foundation
import Hummingbird
import Logging
import NIOCore

/// `atlas studio`: a local web server over the same library calls as the CLI, and the page
/// that explores atlases, paints and searches with them (docs/studio.md).
public enum Studio {
    /// The largest request body (a canvas) read: `atlas paint` reads canvas files up to the same size.
    public static let maximumBodyBytes = 1 << 20
    /// The most hits one search returns.
    public static let maximumHits = 200

    /// The application serving `catalog`'s palettes and indexes, listening on `host`:`port`
    /// (port 0 picks a free one); `onRunning` gets the URL once it listens.
    public static func application(catalog: StudioCatalog, jobs: PaintQueue = PaintQueue(), host: String = "127.0.0.1",
                                   port: Int = 8080, onRunning: @escaping @Sendable (String) -> Void = { _ in })
        throws -> some ApplicationProtocol {
        let router = Router()
        let page = try StudioPage()
        PageRoutes(page: page).add(to: router)
        PaletteRoutes(catalog: catalog).add(to: router)
        PaintRoutes(catalog: catalog, jobs: jobs).add(to: router)
        SearchRoutes(catalog: catalog).add(to: router)
        var logger = Logger(label: "atlas.studio")
        logger.logLevel = .warning
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "atlas-studio"),
                           onServerRunning: { channel in
                               let shown = host.contains(":") ? "[\(host)]" : host
                               onRunning("http://\(shown):\(channel.localAddress?.port ?? port)/")
                           }, logger: logger)
    }
}

extension Studio {
    /// Serves until SIGINT or SIGTERM, then shuts down cleanly; an address already in use is said
    /// in words.
    public static func serve(_ application: some ApplicationProtocol, host: String, port: Int) async throws {
        do {
            try await application.runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EACCES {
            throw StudioError(.internalServerError, "\(host):\(port): cannot listen there ("
                + (error.errnoCode == EADDRINUSE ? "another server does" : "not allowed") + "); give another --port, or --port 0 for any free one")
        }
    }
}

/// The page: `index.html`, `studio.js` and `studio.css` from the module's resources.
struct StudioPage: Sendable {
    let files: [String: (data: Data, type: String)]

    init() throws {
        var files: [String: (Data, String)] = [:]
        for (name, type) in [("index.html", "text/html; charset=utf-8"), ("studio.js", "text/javascript; charset=utf-8"),
                             ("studio.css", "text/css; charset=utf-8")] {
            let parts = name.split(separator: ".")
            guard let url = Bundle.module.url(forResource: String(parts[0]), withExtension: String(parts[1])),
                  let data = FileManager.default.contents(atPath: url.path) else {
                throw StudioError(.internalServerError, "the studio's page (\(name)) is missing from the atlas build's resources")
            }
            files[name] = (data, type)
        }
        self.files = files
    }
}

struct PageRoutes {
    let page: StudioPage

    func add(to router: Router<BasicRequestContext>) {
        let page = self.page
        router.get("/") { _, _ in page.reply("index.html") }
        router.get("/static/:name") { _, context in
            let name = try context.parameters.require("name")
            guard name != "index.html", page.files[name] != nil else { throw StudioError.notFound("file '\(name)'") }
            return page.reply(name)
        }
    }
}

extension StudioPage {
    func reply(_ name: String) -> Response {
        let file = files[name]!
        return Reply.bytes(file.data, type: file.type, cache: false)
    }
}

extension Request {
    /// The body as UTF-8 text, at most `Studio.maximumBodyBytes` (413 beyond).
    mutating func text() async throws -> String {
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: Studio.maximumBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw StudioError(.contentTooLarge, "the request body is over \(Studio.maximumBodyBytes) bytes "
                + "(\(Studio.maximumBodyBytes >> 20) MiB), the most a canvas may be")
        }
        guard let text = String(data: Data(buffer.readableBytesView), encoding: .utf8) else {
            throw StudioError(.badRequest, "canvas.toml: the body is not UTF-8 text")
        }
        return text
    }

    /// The query parameter `name` as an integer in `range`, or `fallback` when absent.
    func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = uri.queryParameters[Substring(name)] else { return fallback }
        guard let value = Int(String(text)), range.contains(value) else {
            throw StudioError(.badRequest, "'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }
}
