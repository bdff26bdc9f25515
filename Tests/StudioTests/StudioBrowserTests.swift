import Foundation
import Imaging
import Palette
import TestSupport
import XCTest

/// The studio as a user meets it: `atlas studio` started from the built executable, its page in
/// a headless Chromium driven through chromedriver. The page loads the atlas, a hovered cell
/// shows its panel, two atlas cells become brushes, a small canvas is drawn and painted on the
/// real network to the end, the PNG is downloaded; no console errors; SIGINT stops the server
/// cleanly. With ATLAS_STUDIO_SCREENSHOTS=DIR, it also saves a screenshot of each mode there
/// (the README's pictures).
final class StudioBrowserTests: XCTestCase {
    func testExplorePaintAndDownloadInChromium() throws {
        let folder = try TestFiles.temporaryFolder("studio-browser", removedAfter: self)
        let screenshots = ProcessInfo.processInfo.environment["ATLAS_STUDIO_SCREENSHOTS"]
        let server = try StudioProcess(arguments: ["--palettes", "palettes"] + (screenshots == nil ? [] : ScreenshotExtras.arguments))
        defer { server.stop() }
        let browser = try WebDriver(downloads: folder)
        try browser.open(server.url)
        let ready = try browser.await("await studio.ready; return studio.error ? String(studio.error) : performance.now();")
        XCTAssertNotNil(ready as? Double ?? (ready as? Int).map(Double.init), "the page did not start: \(String(describing: ready))")
        print("studio: the first screen drawn \(String(format: "%.0f", ready as? Double ?? 0)) ms after the page was opened, "
            + String(format: "%.2f s after the server was started (with Chromium's start)", Date().timeIntervalSince(server.started)))

        // Explore: the features.13 atlas; hovering a cell shows its panel.
        let id = "mobilenet_v2-features.13"
        try browser.await("await studio.selectPalette(arguments[0]); return true;", [id])
        let palette = try Palette.load(TestFiles.path("palettes/mobilenet_v2/features.13"))
        let cell = palette.description.cells[60], other = palette.description.cells[120]
        try browser.pointer(to: center(cell, browser))
        try browser.wait("the panel of cell \(cell.column),\(cell.row)", """
            const panel = document.getElementById('cell-panel');
            return panel.dataset.cell === '\(cell.column),\(cell.row)' && document.getElementById('cell-count').textContent.trim() === '\(cell.count)';
            """)
        if let screenshots { try ScreenshotExtras.explore(browser, palette: palette, into: screenshots) }

        // Paint: two atlas cells become brushes a and b; a 2x2 grid painted with them, 6 steps at 64 px.
        try browser.click("#tab-paint")
        try browser.pointer(to: center(cell, browser), click: true)
        try browser.pointer(to: center(other, browser), click: true)
        XCTAssertEqual(try browser.run("return [...document.querySelectorAll('#brushes .brush')].map(b => b.dataset.char)") as? [String],
                       ["a", "b"])
        try browser.run("""
            for (const [id, value] of [['grid-rows', '2'], ['grid-cols', '2'], ['paint-steps', '6'], ['paint-size', '64'], ['paint-title', 'two cells']]) {
              const input = document.getElementById(id); input.value = value; input.dispatchEvent(new Event('change'));
            }
            """)
        try browser.click("#brushes .brush[data-char=\"a\"]")
        try browser.click("#paint-grid .cell[data-row=\"0\"][data-col=\"0\"]")
        try browser.click("#paint-grid .cell[data-row=\"1\"][data-col=\"1\"]")
        try browser.click("#brushes .brush[data-char=\"b\"]")
        try browser.click("#paint-grid .cell[data-row=\"0\"][data-col=\"1\"]")
        let grid = try browser.run("return [...document.querySelectorAll('#paint-grid .cell')].map(c => c.dataset.char).join('')") as? String
        XCTAssertEqual(grid, "ab.a")
        try browser.click("#paint-run")
        try browser.wait("the painting to finish", seconds: 180, """
            const state = document.getElementById('paint-status').dataset.state;
            if (state === 'failed') throw new Error(document.getElementById('paint-error').textContent);
            const image = document.getElementById('paint-image');
            return state === 'done' && image.complete && image.naturalWidth === 64;
            """)
        XCTAssertEqual(try browser.run("return studio.job.steps") as? Int, 6)

        // Download the PNG: the file the browser saves is the painting.
        try browser.click("#download-png")
        let saved = folder + "/painting.png"
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: saved) {
            guard Date() < deadline else { throw TestFailure("the browser saved no painting.png in 30 s") }
            Thread.sleep(forTimeInterval: 0.2)
        }
        Thread.sleep(forTimeInterval: 0.5)
        let image = try decodeImage(at: saved)
        XCTAssertEqual(max(image.width, image.height), 64)

        if let screenshots {
            try ScreenshotExtras.paint(browser, into: screenshots)
            try ScreenshotExtras.search(browser, into: screenshots)
        }
        XCTAssertEqual(try browser.console(), [], "the page logged errors")
        XCTAssertEqual(try server.interrupt(), 0, "the studio did not exit cleanly on SIGINT")
    }

    /// A second studio on a port in use says so; SIGTERM (a service manager's stop) ends the
    /// server as cleanly as SIGINT.
    func testPortInUseAndSIGTERM() throws {
        let server = try StudioProcess(arguments: [])
        defer { server.stop() }
        XCTAssertEqual(String(decoding: try LocalHTTP.exchange(method: "GET", url: server.url + "api/palettes", body: nil), as: UTF8.self).first, "[")
        let port = try XCTUnwrap(URL(string: server.url)?.port)
        let second = try AtlasBinary.run(["studio", "--port", "\(port)"])
        XCTAssertEqual(second.status, 1, second.errors)
        XCTAssertTrue(second.errors.contains("127.0.0.1:\(port): cannot listen there (another server does)"), second.errors)
        XCTAssertEqual(try server.interrupt(with: SIGTERM), 0, "the studio did not exit cleanly on SIGTERM")
    }

    func center(_ cell: PaletteCell, _ browser: WebDriver) throws -> (x: Double, y: Double) {
        let point = try XCTUnwrap(try browser.run("return studio.cellCenter(arguments[0], arguments[1])", [cell.column, cell.row])
            as? [String: Any])
        return (try XCTUnwrap(point["x"] as? Double ?? (point["x"] as? Int).map(Double.init)),
                try XCTUnwrap(point["y"] as? Double ?? (point["y"] as? Int).map(Double.init)))
    }
}

/// `atlas studio --port 0 ...` running in the repository's root, and the URL it printed.
final class StudioProcess {
    let process = Process()
    let started = Date()
    private(set) var url = ""

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: try AtlasBinary.path())
        process.arguments = ["studio", "--port", "0"] + arguments
        process.currentDirectoryURL = TestFiles.repository
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // The first line says where it listens: "atlas studio: ... on http://127.0.0.1:PORT/".
        var line = Data()
        let deadline = Date().addingTimeInterval(60)
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty, Date() < deadline else { throw TestFailure("atlas studio printed no URL: '\(String(decoding: line, as: UTF8.self))'") }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://") else { throw TestFailure("atlas studio printed no URL: \(text)") }
        url = String(text[range.lowerBound...].prefix { !$0.isWhitespace })
    }

    /// Sends `signal` and waits (at most 20 s) for the exit; its status.
    func interrupt(with signal: Int32 = SIGINT) throws -> Int32 {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning {
            guard Date() < deadline else { throw TestFailure("atlas studio still runs 20 s after signal \(signal)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
