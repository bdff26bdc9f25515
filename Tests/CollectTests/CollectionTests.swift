import ArrayFiles
@testable import Collect
import Foundation
import Imaging
import Models
import Optvis
import Tensor
import TestSupport
import XCTest

/// Collection on the real MobileNetV2 (weights from scripts/setup) and three small photos.
final class CollectionTests: XCTestCase {
    private static let photos = ["chelsea.png", "coffee.png", "rocket.jpg"]

    /// A folder holding copies of `names` from `.deps/photos/skimage`.
    private func photoFolder(_ names: [String]) throws -> String {
        let folder = URL(fileURLWithPath: try TestFiles.temporaryFolder("collect", removedAfter: self)).appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.copyItem(atPath: TestFiles.photo(name), toPath: folder.appendingPathComponent(name).path)
        }
        return folder.path
    }

    /// Every file under `folder`, by relative path.
    private func contents(of folder: String) throws -> [String: Data] {
        let names = try FileManager.default.subpathsOfDirectory(atPath: folder)
        return Dictionary(uniqueKeysWithValues: try names.compactMap { name -> (String, Data)? in
            var isFolder: ObjCBool = false
            let path = folder + "/" + name
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else { return nil }
            return (name, try Data(contentsOf: URL(fileURLWithPath: path)))
        })
    }

    /// At the last convolutional layer, before global average pooling and the linear head,
    /// logit_c - bias_c = sum over all positions p of h_p . dlogit_c/dh_p exactly: the
    /// attributions over the full grid must add up to the logits.
    func testAttributionsOverTheFullGridSumToTheLogitsWithoutBias() throws {
        let network = try RealNetworks.mobileNetV2()
        let folder = try photoFolder(Array(Self.photos.prefix(2)))
        let images = try Self.photos.prefix(2).map { try decodeImage(at: folder + "/" + $0) }
        let input = try network.input(for: images, names: Array(Self.photos.prefix(2)), resizing: .torchvision)
        let grid = SamplePositions.candidates(height: 7, width: 7) + (0..<7).flatMap { row in
            (0..<7).filter { row == 0 || row == 6 || $0 == 0 || $0 == 6 }.map { GridPosition(row: row, column: $0) }
        }
        XCTAssertEqual(Set(grid).count, 49)
        let topK = 3
        let rows = try Attribution.samples(of: input, network: network, layer: "features.18", positions: [grid, grid],
                                           imageIndices: [0, 1], topK: topK)
        XCTAssertEqual(rows.count, 98)
        XCTAssertEqual(rows.activations.count, 98 * 1280)

        let logits = try network.forward(input, to: [network.logitsName])[0]
        guard case let .linear(head) = network.graph.nodes[try network.layer(named: network.logitsName).index].operation,
              let bias = head.bias else { return XCTFail("the logits are not a linear layer with a bias") }
        for item in 0..<2 {
            let row = Array(logits.values[item * 1000..<(item + 1) * 1000])
            let top = Attribution.topClasses(row, count: topK)
            var sums = [Int: Double]()
            for sample in item * 49..<(item + 1) * 49 {
                let classes = Array(rows.classes[sample * topK..<(sample + 1) * topK])
                let attributions = Array(rows.attributions[sample * topK..<(sample + 1) * topK])
                XCTAssertEqual(Set(classes), Set(top), "every sample keeps the image's top classes")
                XCTAssertEqual(attributions, attributions.sorted(by: >), "attributions best first")
                for (c, a) in zip(classes, attributions) { sums[c, default: 0] += Double(a) }
            }
            for c in top {
                let expected = Double(row[c] - bias[c])
                XCTAssertEqual(sums[c]!, expected, accuracy: 1e-4 * max(abs(expected), 1), "class \(c) of image \(item)")
            }
        }
    }

    /// A collection killed after some shards (and one shard half-written) and run again with the
    /// same arguments writes exactly the files of an uninterrupted run.
    func testResumingAnInterruptedCollectionGivesTheSameShards() throws {
        let network = try RealNetworks.mobileNetV2()
        let photos = try photoFolder(Self.photos)
        let scratch = URL(fileURLWithPath: try TestFiles.temporaryFolder("collect", removedAfter: self))
        let whole = scratch.appendingPathComponent("whole").path, resumed = scratch.appendingPathComponent("resumed").path
        let settings = CollectionSettings(layer: "features.17", perImage: 4, topK: 2, seed: 7, augmentations: 1, batchSize: 3,
                                          imagesPerShard: 1)
        let header = try CollectionRun.run(images: photos, output: whole, network: network, weightsSHA256: "test",
                                           settings: settings)
        XCTAssertEqual(header.shards.map(\.samples), [8, 8, 8])

        // Interrupted after the first shard, while the second was being written.
        try FileManager.default.copyItem(atPath: whole, toPath: resumed)
        try FileManager.default.removeItem(atPath: resumed + "/shard-00002")
        try FileManager.default.removeItem(atPath: resumed + "/shard-00001/origins.npy")
        var interrupted = try SampleSet.readHeader(resumed)
        interrupted.shards.removeLast(2)
        try JSONEncoder().encode(interrupted).write(to: URL(fileURLWithPath: resumed + "/" + CollectionHeader.fileName))

        var events: [CollectionEvent] = []
        try CollectionRun.run(images: photos, output: resumed, network: network, weightsSHA256: "test", settings: settings) {
            events.append($0)
        }
        XCTAssertTrue(events.contains { if case .resumed(1, 1) = $0 { true } else { false } })
        XCTAssertEqual(try contents(of: resumed), try contents(of: whole))
        XCTAssertEqual(try SampleSet.load(resumed).count, 24)

        // A damaged shard file is refused by its checksum, naming the file.
        XCTAssertEqual(try SampleSet.readHeader(whole).shards[1].crc32?.count, 4)
        let activations = whole + "/shard-00001/activations.npy"
        var bytes = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: activations)))
        bytes[bytes.count - 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: activations))
        XCTAssertThrowsError(try SampleSet.load(whole)) {
            XCTAssertTrue("\($0)".contains("shard-00001/activations.npy: its CRC-32 is"), "\($0)")
        }
    }

    /// Parts collected as on several machines (--shard K/N) and merged equal an unsharded run:
    /// the same samples in the same order, the same photo hashes; bad merges are refused whole.
    func testShardedPartsMergeToTheUnshardedCollection() throws {
        let network = try RealNetworks.mobileNetV2()
        let photos = try photoFolder(Self.photos)
        let scratch = try TestFiles.temporaryFolder("collect", removedAfter: self)
        let settings = CollectionSettings(layer: "features.17", perImage: 4, topK: 2, seed: 7, augmentations: 1, batchSize: 3,
                                          imagesPerShard: 1)
        func collect(_ folder: String, part: (Int, Int)? = nil) throws -> CollectionHeader {
            try CollectionRun.run(images: photos, output: "\(scratch)/\(folder)", network: network, weightsSHA256: "test",
                                  settings: settings, part: part)
        }
        let whole = try collect("whole")
        let first = try collect("part1", part: (1, 2)), second = try collect("part2", part: (2, 2))
        XCTAssertEqual([first.part?.images, second.part?.images], [0..<1, 1..<3])
        XCTAssertEqual(first.images[1].sha256, "", "a part hashes only its own photos")
        let merged = try CollectionMerge.merge(["\(scratch)/part2", "\(scratch)/part1"], into: "\(scratch)/merged")
        XCTAssertEqual(merged.imagesSHA256, whole.imagesSHA256)
        XCTAssertEqual(merged.images, whole.images)
        XCTAssertNil(merged.part)
        let (a, b) = (try SampleSet.load("\(scratch)/whole"), try SampleSet.load("\(scratch)/merged"))
        XCTAssertEqual(a.activations, b.activations)
        XCTAssertEqual(a.classes, b.classes)
        XCTAssertEqual(a.attributions, b.attributions)
        XCTAssertEqual(a.origins, b.origins)

        func refusal(_ folders: [String], into output: String = "again") -> String {
            do {
                try CollectionMerge.merge(folders.map { "\(scratch)/\($0)" }, into: "\(scratch)/\(output)")
                return "merged"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(refusal(["part1", "part1"]).contains("part 1/2 is given twice"))
        XCTAssertTrue(refusal(["part1"]).contains("part 2/2 is missing"))
        XCTAssertTrue(refusal(["whole", "part1"]).contains("not a part of a sharded collection"))
        XCTAssertTrue(refusal(["part1", "part2"], into: "merged").contains("already holds a collection"))
        _ = try CollectionRun.run(images: photos, output: "\(scratch)/other-seed", network: network, weightsSHA256: "test",
                                  settings: CollectionSettings(layer: "features.17", perImage: 4, topK: 2, seed: 8, augmentations: 1,
                                                               batchSize: 3, imagesPerShard: 1), part: (2, 2))
        XCTAssertTrue(refusal(["part1", "other-seed"]).contains("--seed 7 (this run: 8)"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(scratch)/again"), "a refused merge writes nothing")
        XCTAssertThrowsError(try collect("bad", part: (0, 3)))
        XCTAssertThrowsError(try collect("bad", part: (4, 3)))
    }

    /// The positions of image i depend on (seed, i) alone, are distinct and lie inside the border.
    func testPositionsDependOnSeedAndImageOnly() {
        func draw(seed: UInt64, image: Int, count: Int = 10) -> [GridPosition] {
            var generator = SeededGenerator(seed: seed, stream: image)
            return SamplePositions.draw(count, height: 14, width: 14, using: &generator)
        }
        XCTAssertEqual(draw(seed: 3, image: 5), draw(seed: 3, image: 5))
        XCTAssertNotEqual(draw(seed: 3, image: 5), draw(seed: 3, image: 6))
        XCTAssertNotEqual(draw(seed: 3, image: 5), draw(seed: 4, image: 5))
        let positions = draw(seed: 3, image: 5, count: 144)
        XCTAssertEqual(Set(positions).count, 144)
        XCTAssertTrue(positions.allSatisfy { (1...12).contains($0.row) && (1...12).contains($0.column) })
        XCTAssertEqual(SamplePositions.candidates(height: 2, width: 9).count, 18, "a grid without an interior keeps its border")
    }

    /// A file that looks like a JPEG but does not decode is reported, recorded and skipped.
    func testACorruptImageIsSkippedWithAMessage() throws {
        let network = try RealNetworks.mobileNetV2()
        let photos = try photoFolder(["rocket.jpg"])
        try Data([0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 7, count: 100)).write(to: URL(fileURLWithPath: photos + "/broken.jpg"))
        let output = URL(fileURLWithPath: try TestFiles.temporaryFolder("collect", removedAfter: self)).appendingPathComponent("run").path
        var skipped: [String] = []
        let header = try CollectionRun.run(images: photos, output: output, network: network, weightsSHA256: "test",
                                           settings: CollectionSettings(layer: "features.17", perImage: 3, topK: 1)) { event in
            if case let .skipped(path, _) = event { skipped.append(path) }
        }
        XCTAssertEqual(skipped, [photos + "/broken.jpg"])
        XCTAssertEqual(header.images.map { $0.skipped != nil }, [true, false])
        XCTAssertEqual(try SampleSet.load(output).origins.count / 3, 3)
        XCTAssertEqual(Set(try SampleSet.load(output).origins.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)), [1])
    }

    /// A rerun with other arguments is refused, naming the argument that differs.
    func testARerunWithOtherArgumentsIsRefused() throws {
        let network = try RealNetworks.mobileNetV2()
        let photos = try photoFolder(["rocket.jpg"])
        let output = URL(fileURLWithPath: try TestFiles.temporaryFolder("collect", removedAfter: self)).appendingPathComponent("run").path
        let settings = CollectionSettings(layer: "features.17", perImage: 2, topK: 1)
        try CollectionRun.run(images: photos, output: output, network: network, weightsSHA256: "test", settings: settings)
        var changed = settings
        changed.perImage = 3
        XCTAssertThrowsError(try CollectionRun.run(images: photos, output: output, network: network, weightsSHA256: "test",
                                                   settings: changed)) { error in
            XCTAssertTrue("\(error)".contains("--per-image 2 (this run: 3)"), "\(error)")
        }
        XCTAssertThrowsError(try CollectionRun.run(images: photos, output: output, network: network, weightsSHA256: "other",
                                                   settings: settings)) { error in
            XCTAssertTrue("\(error)".contains("--weights"), "\(error)")
        }
        let restarted = try CollectionRun.run(images: photos, output: output, network: network, weightsSHA256: "test",
                                              settings: changed, restart: true)
        XCTAssertEqual(restarted.perImage, 3)
        XCTAssertEqual(try SampleSet.load(output).count, 3)
    }
}
