import Foundation
import Palette
import TestSupport

/// The README's pictures of the studio, taken by `StudioBrowserTests` when
/// ATLAS_STUDIO_SCREENSHOTS=DIR is set, with the demo index and collection that
/// docs/studio.md's commands build (runs/index-demo, runs/demo-features.13).
enum ScreenshotExtras {
    static let arguments = ["--index", "runs/index-demo", "--collection", "runs/demo-features.13"]

    /// Explore: the castle filter on, a castle cell's panel pinned.
    static func explore(_ browser: WebDriver, palette: Palette, into folder: String) throws {
        try browser.run("""
            const box = document.getElementById('class-filter'); box.value = 'castle'; box.dispatchEvent(new Event('change'));
            """)
        let castle = palette.description.cells[try palette.cell(forClass: "castle").orThrow("no castle cell")]
        try browser.wait("the class filter", "return document.getElementById('class-info').textContent.length > 0")
        let point = try browser.run("return studio.cellCenter(arguments[0], arguments[1])", [castle.column, castle.row]) as? [String: Any]
        try browser.pointer(to: (Self.number(point?["x"]), Self.number(point?["y"])), click: true)
        try browser.wait("the castle cell's exemplars", "return document.querySelectorAll('#cell-exemplars img').length > 0 && "
            + "[...document.querySelectorAll('#cell-exemplars img, #cell-icon')].every(i => i.complete)")
        Thread.sleep(forTimeInterval: 1)
        try browser.screenshot().write(to: URL(fileURLWithPath: folder + "/explore.png"))
        try browser.run("const box = document.getElementById('class-filter'); box.value = ''; box.dispatchEvent(new Event('change'));")
    }

    /// Paint: the shipped seashore canvas opened in the editor and painted (128 steps at 224 px).
    static func paint(_ browser: WebDriver, into folder: String) throws {
        try browser.upload(TestFiles.path("canvases/seashore.canvas"), to: "#open-canvas")
        try browser.wait("the canvas opened", "return document.querySelectorAll('#paint-grid .cell').length === 196")
        try browser.run("""
            for (const [id, value] of [['paint-steps', '128'], ['paint-size', '224']]) {
              const input = document.getElementById(id); input.value = value; input.dispatchEvent(new Event('change'));
            }
            """)
        try browser.click("#paint-run")
        try browser.wait("the seashore painting", seconds: 600, """
            const image = document.getElementById('paint-image');
            return document.getElementById('paint-status').dataset.state === 'done' && image.complete && image.naturalWidth === 224
                && document.getElementById('paint-sheet').complete;
            """)
        Thread.sleep(forTimeInterval: 0.5)
        try browser.screenshot().write(to: URL(fileURLWithPath: folder + "/paint.png"))
    }

    /// Search: a goldfish over a reef (canvases/query-fish.canvas).
    static func search(_ browser: WebDriver, into folder: String) throws {
        // The query as the page opens it from canvases/query-fish.canvas (its class brushes kept).
        try browser.click("#tab-search")
        try browser.upload(TestFiles.path("canvases/query-fish.canvas"), to: "#open-canvas")
        try browser.wait("the query opened", "return document.querySelectorAll('#search-grid .cell[data-char=\"g\"]').length === 1")
        try browser.click("#search-run")
        try browser.wait("the hits", seconds: 60, "return document.querySelectorAll('#search-results .hit img').length > 0 && "
            + "[...document.querySelectorAll('#search-results .hit img')].every(i => i.complete)")
        Thread.sleep(forTimeInterval: 0.5)
        try browser.screenshot().write(to: URL(fileURLWithPath: folder + "/search.png"))
    }

    static func number(_ value: Any?) -> Double { value as? Double ?? (value as? Int).map(Double.init) ?? 0 }
}

extension Optional {
    func orThrow(_ message: String) throws -> Wrapped {
        guard let value = self else { throw TestFailure(message) }
        return value
    }
}
