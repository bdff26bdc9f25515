import Dataset
import Foundation
import Paint
import Palette
import TestSupport
import XCTest

/// Every canvas in `canvases/` parses and resolves against the palette it names (the shipped
/// palettes), with the real network for its photo and stamp brushes: what a user's first
/// `atlas paint` does before it paints. The canvases name demo photos under `data/demo`, which
/// `atlas dataset demo` extracts; on a fresh clone the test extracts them into a temporary
/// copy of the repository's layout instead.
final class ShippedCanvasTests: XCTestCase {
    func testEveryShippedCanvasResolvesAgainstItsPalette() throws {
        let repository = TestFiles.repository
        let root = try TestFiles.temporaryFolder("paint")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = FileManager.default
        for name in ["canvases", "palettes"] {
            try files.createSymbolicLink(atPath: root + "/" + name, withDestinationPath: repository.appendingPathComponent(name).path)
        }
        try files.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        let demo = repository.appendingPathComponent("data/demo").path
        if files.fileExists(atPath: demo + "/" + DemoSet.manifestName) {
            try files.createSymbolicLink(atPath: root + "/data/demo", withDestinationPath: demo)
        } else {
            let sources = DemoSources(scikitImagePhotos: TestFiles.photos)
            _ = try DemoSet(sources: sources).write(to: root + "/data/demo")
        }
        let folder = URL(fileURLWithPath: root + "/canvases")
        let names = try files.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".canvas") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 6, "\(names)")
        let network = try RealNetworks.mobileNetV2()
        for name in names {
            let canvas = try Canvas.load(folder.appendingPathComponent(name).path)
            let resolved = try canvas.resolve(palette: try canvas.loadPalette(), network: network)
            XCTAssertEqual(resolved.brushes.count, canvas.brushes.count, name)
            XCTAssertEqual(resolved.targets.count, canvas.rows * canvas.columns, name)
            for (definition, brush) in zip(canvas.brushes, resolved.brushes) {
                XCTAssertTrue(brush.vector.contains { $0 != 0 }, "\(name): brush '\(brush.character)' has a zero vector")
                if case .label = definition.source {
                    XCTAssertNotNil(brush.classIndex, "\(name): class brush '\(brush.character)' without its class")
                }
                if case .stamp(_, let region) = definition.source {
                    XCTAssertEqual(brush.stamp?.vectors.count, region.rows * region.columns, name)
                }
            }
            // Every painted cell has a target; photo and stamp cells have a colour.
            for (cell, index) in resolved.brushIndexOfCell.enumerated() {
                XCTAssertEqual(index == nil, resolved.targets[cell] == nil, "\(name) cell \(cell)")
                guard let index else { continue }
                switch canvas.brushes[index].source {
                case .photo, .stamp: XCTAssertNotNil(resolved.colours[cell], "\(name) cell \(cell)")
                default: XCTAssertNil(resolved.colours[cell], "\(name) cell \(cell)")
                }
            }
        }
    }
}
