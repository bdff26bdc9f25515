@testable import Analysis
import ArrayFiles
import Collect
import Foundation
import Imaging
import Palette
import TestSupport
import XCTest

/// The whole build on a synthetic collection of a 4-channel linear "layer", with 2-step icons.
final class BuilderTests: XCTestCase {
    func testBuildWritesAPaletteAndResumesIcons() throws {
        let folder = try TestFiles.temporaryFolder("palette", removedAfter: self)
        let samples = try syntheticSamples(clusters: 3, perCluster: 40, channels: 4)
        var options = PaletteBuildOptions()
        (options.grid, options.minDensity, options.neighbors, options.iconSize, options.steps, options.batch) = (4, 5, 8, 16, 2, 4)
        let model = LinearPixelModel(channels: 4, seed: 3)
        let header = samples.header
        let shifted = try SampleSet(header: CollectionHeader(copying: header, layer: "linear"), activations: samples.activations,
                                    classes: samples.classes, attributions: samples.attributions, origins: samples.origins)
        var timings = PaletteBuilder.Timings()
        let palette = try PaletteBuilder(options: options, folder: folder).build(samples: shifted, labels: testLabels, model: model,
                                                                                 timings: &timings)
        XCTAssertEqual(timings.stages.map(\.name), ["whitening", "layout", "grid", "icons", "render"])
        let cells = palette.description.cells
        XCTAssertGreaterThanOrEqual(cells.count, 3, "three separated clusters give at least three dense cells")
        let layout = try NPY.read(palette.path(Palette.layoutFile))
        XCTAssertEqual(layout.shape, [120, 2])
        // Recounted from the layout file: each cell's count is the number of samples in its square
        // (column floor(4x), row from the top 3 - floor(4y)), and exactly the squares holding at
        // least minDensity samples are cells.
        var counts = [Int](repeating: 0, count: 16), clusters = [[Int]](repeating: [0, 0, 0], count: 16)
        for sample in 0..<120 {
            let column = min(Int(layout.values[2 * sample] * 4), 3), row = 3 - min(Int(layout.values[2 * sample + 1] * 4), 3)
            counts[row * 4 + column] += 1
            clusters[row * 4 + column][sample / 40] += 1
        }
        XCTAssertEqual(cells.map { [$0.column, $0.row, $0.count] },
                       counts.indices.filter { counts[$0] >= 5 }.map { [$0 % 4, $0 / 4, counts[$0]] })
        // The layout keeps the three clusters apart: nearly every sample shares its square with
        // its own cluster's majority.
        let inMajority = clusters.reduce(0) { $0 + ($1.max() ?? 0) }
        XCTAssertGreaterThanOrEqual(Double(inMajority) / 120, 0.9, "samples in their square's majority cluster: \(clusters)")
        let icon = try decodeImage(at: palette.path(cells[0].icon))
        XCTAssertEqual([icon.width, icon.height], [16, 16])
        let atlas = try decodeImage(at: palette.path(Palette.atlasFile))
        XCTAssertEqual(atlas.width, 4 * 16 + 24)

        // Kill-and-resume: with one icon gone, a rebuild renders its batch again, identically,
        // and leaves the icons of the other batches alone.
        let first = try Data(contentsOf: URL(fileURLWithPath: palette.path(cells[0].icon)))
        let lastPath = palette.path(cells[cells.count - 1].icon)
        let lastDate = try FileManager.default.attributesOfItem(atPath: lastPath)[.modificationDate] as! Date
        try FileManager.default.removeItem(atPath: palette.path(cells[0].icon))
        Thread.sleep(forTimeInterval: 0.01)
        var again = PaletteBuilder.Timings()
        let rebuilt = try PaletteBuilder(options: options, folder: folder).build(samples: shifted, labels: testLabels, model: model,
                                                                                 timings: &again)
        XCTAssertEqual(rebuilt.description, palette.description)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: palette.path(cells[0].icon))), first)
        if cells.count > options.batch {
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: lastPath)[.modificationDate] as? Date, lastDate)
        }
    }
}

extension CollectionHeader {
    /// The header with another layer name.
    init(copying header: CollectionHeader, layer: String) {
        self = header
        self.layer = layer
    }
}

/// A class activation atlas: the samples of one class chosen from a collection and laid out
/// again, as a palette like any other.
final class ClassAtlasTests: XCTestCase {
    func testClassSamplesAreItsOwnFirstThenTheMostAttributed() throws {
        // Cluster c's samples keep classes [c, c + 1, 9] with attributions [1, 0.25, 0 or 1].
        let samples = try syntheticSamples(clusters: 3, perCluster: 40, channels: 4)
        let own = Array(40..<80)  // cluster 1: class 1 first
        XCTAssertEqual(samples.samples(ofClass: 1, maximum: 1000), Array(0..<80), "cluster 0 keeps class 1 second")
        let capped = samples.samples(ofClass: 1, maximum: 50)
        XCTAssertEqual(capped.count, 50)
        XCTAssertTrue(Set(own).isSubset(of: capped), "every sample whose top class it is comes first")
        XCTAssertEqual(samples.samples(ofClass: 1, maximum: 30), Array(40..<70))
        XCTAssertEqual(samples.samples(ofClass: 5, maximum: 100), [], "no sample keeps class 5")

        let subset = try samples.subset(capped)
        XCTAssertEqual(subset.count, 50)
        XCTAssertEqual(Array(subset.activations[0..<4]), Array(samples.activations[capped[0] * 4..<capped[0] * 4 + 4]))
        XCTAssertEqual(Array(subset.origins.suffix(3)), Array(samples.origins[capped.last! * 3..<capped.last! * 3 + 3]))
        XCTAssertThrowsError(try samples.subset([120]))
    }

    func testAClassAtlasIsAPaletteOfItsSamples() throws {
        let folder = try TestFiles.temporaryFolder("palette", removedAfter: self)
        let samples = try syntheticSamples(clusters: 3, perCluster: 40, channels: 4)
        let linear = try SampleSet(header: CollectionHeader(copying: samples.header, layer: "linear"), activations: samples.activations,
                                   classes: samples.classes, attributions: samples.attributions, origins: samples.origins)
        var options = PaletteBuildOptions()
        (options.grid, options.minDensity, options.neighbors, options.iconSize, options.steps, options.batch) = (3, 3, 8, 16, 2, 4)
        var timings = PaletteBuilder.Timings()
        let chosen = linear.samples(ofClass: 1, maximum: 1000)
        let palette = try PaletteBuilder(options: options, folder: folder)
            .build(samples: try linear.subset(chosen), labels: testLabels, model: LinearPixelModel(channels: 4, seed: 3), timings: &timings)
        XCTAssertEqual(palette.description.samples, 80)
        let firstLayout = try NPY.read(palette.path(Palette.layoutFile))
        XCTAssertEqual(firstLayout.shape, [80, 2])
        // Another class from the same collection, as many samples, in the same folder: laid out
        // again (the build state names which samples), not the first class's layout reused.
        let other = linear.samples(ofClass: 2, maximum: 1000)
        XCTAssertEqual(other.count, 80)
        let rebuilt = try PaletteBuilder(options: options, folder: folder)
            .build(samples: try linear.subset(other), labels: testLabels, model: LinearPixelModel(channels: 4, seed: 3), timings: &timings)
        XCTAssertNotEqual(try NPY.read(rebuilt.path(Palette.layoutFile)), firstLayout)
        XCTAssertTrue(rebuilt.description.cells.contains { $0.classes.first?.index == 2 })
    }
}

/// The two-class comparison on a synthetic collection: cluster 1's samples keep class 1 first
/// and 2 second (x > 0 when A is 1), cluster 2's keep 2 first: they land on opposite sides.
final class ClassComparisonTests: XCTestCase {
    func testSamplesOfEachClassLandOnItsSide() throws {
        let samples = try syntheticSamples(clusters: 4, perCluster: 40, channels: 4)
        let linear = try SampleSet(header: CollectionHeader(copying: samples.header, layer: "linear"), activations: samples.activations,
                                   classes: samples.classes, attributions: samples.attributions, origins: samples.origins)
        let comparison = try ClassComparison(samples: linear, a: 1, b: 2, labels: testLabels, network: LinearPixelModel(channels: 4, seed: 3),
                                             grid: 4, minDensity: 2, iconSize: 16, steps: 2)
        // Clusters 0 (class 1 second), 1 (1 first, 2 second) and 2 (2 first): 120 samples.
        XCTAssertEqual(comparison.sampleCount, 120)
        XCTAssertEqual(comparison.icons.count, comparison.cells.count)
        let xs = comparison.positions.map(\.x)
        XCTAssertTrue(xs.allSatisfy { (-1...1).contains($0) })
        XCTAssertTrue(xs[40..<80].allSatisfy { $0 > 0 }, "cluster 1: 1 against 0.25 towards class 2")
        XCTAssertTrue(xs[80..<120].allSatisfy { $0 < 0 }, "cluster 2: class 2 first")
        let strongest = comparison.strongest(2)
        XCTAssertTrue(strongest.towardsA.allSatisfy { $0.pull > 0 } && strongest.towardsB.allSatisfy { $0.pull < 0 })
        XCTAssertFalse(strongest.towardsA.isEmpty || strongest.towardsB.isEmpty)
        XCTAssertGreaterThan(try comparison.picture().png().count, 1000)
        XCTAssertThrowsError(try ClassComparison(samples: linear, a: 1, b: 5, labels: testLabels,
                                                 network: LinearPixelModel(channels: 4, seed: 3))) { error in
            XCTAssertTrue("\(error)".contains("class5"), "\(error)")
        }
    }
}

/// t-SNE as a palette's layout (the default for class atlases), and comparison cells located in
/// a palette.
final class LayoutChoiceTests: XCTestCase {
    private func linearSamples() throws -> SampleSet {
        let samples = try syntheticSamples(clusters: 3, perCluster: 40, channels: 4)
        return try SampleSet(header: CollectionHeader(copying: samples.header, layer: "linear"), activations: samples.activations,
                             classes: samples.classes, attributions: samples.attributions, origins: samples.origins)
    }

    private func build(_ method: PaletteLayoutMethod, in folder: String) throws -> Palette {
        var options = PaletteBuildOptions()
        (options.grid, options.minDensity, options.neighbors, options.iconSize, options.steps, options.batch) = (4, 5, 8, 16, 2, 4)
        (options.layoutMethod, options.perplexity) = (method, 10)
        var timings = PaletteBuilder.Timings()
        return try PaletteBuilder(options: options, folder: folder)
            .build(samples: try linearSamples(), labels: testLabels, model: LinearPixelModel(channels: 4, seed: 3), timings: &timings)
    }

    func testATSNEPaletteRecordsItsLayoutAndKeepsTheClustersApart() throws {
        let folder = try TestFiles.temporaryFolder("palette", removedAfter: self)
        let tsne = try build(.tsne, in: folder)
        XCTAssertEqual(tsne.description.parameters.layout, "tsne")
        XCTAssertEqual(tsne.description.parameters.perplexity, 10)
        let layout = try NPY.read(tsne.path(Palette.layoutFile)).values
        // Each sample's nearest neighbour in the layout is of its own cluster (40 samples each).
        var agree = 0
        for i in 0..<120 {
            let nearest = (0..<120).filter { $0 != i }.min { a, b in
                func d(_ j: Int) -> Float { pow(layout[2 * i] - layout[2 * j], 2) + pow(layout[2 * i + 1] - layout[2 * j + 1], 2) }
                return d(a) < d(b)
            }!
            if nearest / 40 == i / 40 { agree += 1 }
        }
        XCTAssertGreaterThanOrEqual(agree, 118)
        // UMAP in the same folder lays the samples out again, and says nothing of t-SNE.
        let umap = try build(.umap, in: folder)
        XCTAssertNil(umap.description.parameters.layout)
        XCTAssertNotEqual(try NPY.read(umap.path(Palette.layoutFile)).values, layout)
    }

    func testAComparisonCellIsFoundInAPalette() throws {
        let palette = try build(.umap, in: try TestFiles.temporaryFolder("palette", removedAfter: self))
        let target = palette.description.cells.count - 1
        let cell = ClassComparison.Cell(column: 0, row: 0, count: 3, pull: 1, vector: palette.vector(ofCell: target).map { $0 * 2 })
        let found = try ClassComparison.paletteCoordinates(of: [cell], in: palette)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual([found[0].column, found[0].row],
                       [palette.description.cells[target].column, palette.description.cells[target].row])
        XCTAssertEqual(found[0].cosine, 1, accuracy: 1e-4)
        XCTAssertEqual(found[0].label, palette.description.cells[target].classes.first?.label)
    }
}
