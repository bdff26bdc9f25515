import ArrayFiles
import Collect
import Optvis
import Palette
import Tensor
import TestSupport
import XCTest

final class PaletteFileTests: XCTestCase {
    /// A plan over a synthetic collection laid out by hand: cluster k at one corner of the square.
    private func plan(minDensity: Int = 8) throws -> PalettePlan {
        let samples = try syntheticSamples()
        let corners: [(Float, Float)] = [(0.1, 0.1), (0.9, 0.1), (0.1, 0.9), (0.6, 0.6)]
        let layout = (0..<samples.count).flatMap { i -> [Float] in
            let corner = corners[i / 60]
            return [corner.0, corner.1 + (i % 2 == 0 ? 0 : 0.01)]
        }
        let whitening = try Whitening(activations: Tensor(shape: [samples.count, samples.channels], values: samples.activations))
        var options = PaletteBuildOptions()
        (options.grid, options.minDensity) = (4, minDensity)
        return try PalettePlan(samples: samples, layout: layout, whitening: whitening, labels: testLabels, options: options)
    }

    func testPlanKeepsDenseCellsWithTheirMeans() throws {
        let plan = try plan()
        let cells = plan.description.cells
        // Row by row from the top: cluster 2 (top left), 3 (centre), 0 (bottom left), 1 (bottom right).
        XCTAssertEqual(cells.map { [$0.column, $0.row] }, [[0, 0], [2, 1], [0, 3], [3, 3]])
        XCTAssertEqual(cells.map(\.count), [60, 60, 60, 60])
        XCTAssertEqual(cells.map { $0.classes.first?.index }, [2, 3, 0, 1])
        XCTAssertEqual(cells[0].classes.map(\.label), ["class2, synonym2", "class9, synonym9", "class3, synonym3"])
        XCTAssertEqual(cells[0].classes[1].attribution, 0.5, accuracy: 1e-6, "class 9 gets 1 from every other sample")
        XCTAssertEqual(cells[0].icon, "icons/00-00.png")
        let samples = try syntheticSamples()
        let expected = CellSummary.meanVector(of: Array(120..<180), activations: samples.activations, channels: samples.channels)
        XCTAssertEqual(Array(plan.vectors[0..<samples.channels]), expected)
        XCTAssertEqual(plan.description.stride, 16)
        XCTAssertEqual(plan.description.attributedClasses, [0, 1, 2, 3, 4, 9])
        XCTAssertThrowsError(try self.plan(minDensity: 61)) { XCTAssertTrue("\($0)".contains("--min-density"), "\($0)") }
    }

    func testWriteLoadRoundTripAndClassAttributions() throws {
        let folder = try TestFiles.temporaryFolder("palette", removedAfter: self)
        let plan = try plan()
        let palette = try plan.palette(in: folder)
        try palette.write()
        try NPY.write(NPYArray(shape: [4, 6], values: plan.attributions), to: palette.path(Palette.attributionsFile))
        let loaded = try Palette.load(folder)
        XCTAssertEqual(loaded.description, plan.description)
        XCTAssertEqual(loaded.vectors, plan.vectors)
        XCTAssertEqual(loaded.whitening.matrix, plan.whitening.matrix)
        XCTAssertEqual(loaded.cell(column: 2, row: 1), 1)
        XCTAssertNil(loaded.cell(column: 1, row: 1))
        XCTAssertEqual(loaded.cell(forClass: "class1, synonym1"), 3)
        // Class 4 is never a top class of a cell's palette.json list but has attributions (0.25 in cell 1).
        XCTAssertEqual(try loaded.attributions(toClass: 4), [0, 0.25, 0, 0])
        XCTAssertEqual(try loaded.attributions(toClass: 7), [0, 0, 0, 0])
        XCTAssertEqual(AtlasPicture.classOpacities(try loaded.attributions(toClass: 9)), [1, 1, 1, 1])
    }

    func testMismatchedModelOrLayerIsRefused() throws {
        let folder = try TestFiles.temporaryFolder("palette", removedAfter: self)
        try plan().palette(in: folder).write()
        let palette = try Palette.load(folder)
        XCTAssertNoThrow(try palette.check(model: "mobilenet_v2", layer: "features.13", weightsSHA256: "abc123"))
        XCTAssertThrowsError(try palette.check(model: "efficientnet_lite0")) { error in
            XCTAssertTrue("\(error)".contains("for model mobilenet_v2, not efficientnet_lite0"), "\(error)")
        }
        XCTAssertThrowsError(try palette.check(model: "mobilenet_v2", layer: "features.6")) { error in
            XCTAssertTrue("\(error)".contains("for layer features.13 of mobilenet_v2, not features.6"), "\(error)")
        }
        XCTAssertThrowsError(try palette.check(model: "mobilenet_v2", weightsSHA256: "def456"))
    }

    func testLabelReliabilityRule() throws {
        let palette = try plan().palette(in: "unused")
        XCTAssertEqual(palette.medianTopAttribution, 1)
        XCTAssertTrue(palette.labelsAreReliable)
        XCTAssertNil(palette.unreliableLabelsWarning)
        var description = palette.description
        for i in description.cells.indices { description.cells[i].classes[0].attribution = 0.005 }
        let small = try Palette(folder: "unused", description: description, vectors: palette.vectors, whitening: palette.whitening)
        XCTAssertFalse(small.labelsAreReliable)
        XCTAssertFalse(small.description.cells[0].hasReliableLabel)
        XCTAssertTrue(small.unreliableLabelsWarning?.contains("unreliable") ?? false)
    }
}
