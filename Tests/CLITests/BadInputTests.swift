import ArrayFiles
import Foundation
import TestSupport
import XCTest

/// A corpus of bad inputs and impossible arguments, each run through the `atlas` executable:
/// every one must end with the expected status (2: a mistake in the arguments, printed with the
/// usage; 1: anything else, one line `atlas: error: ...` naming the file, argument or tensor),
/// never a signal, and leave no output behind.
final class BadInputTests: XCTestCase {
    /// One case: the arguments, the status, words stderr must hold, and a path that must not exist after.
    struct Case {
        let arguments: [String]
        let status: Int32
        let says: String
        var leaves: String? = nil
    }

    func testEveryBadInputIsARefusalNamingWhatIsWrong() throws {
        let f = try TestFiles.temporaryFolder("bad-inputs", removedAfter: self)
        let palette = TestFiles.path("palettes/mobilenet_v2/features.13")
        let photo = TestFiles.photo("chelsea.png")
        let manager = FileManager.default
        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: "\(f)/\(name)")) }
        // Photos.
        let png = try XCTUnwrap(manager.contents(atPath: photo))
        try png.prefix(300).write(to: URL(fileURLWithPath: f + "/cut.png"))
        try write("text.png", "hello, not pixels")
        try write("empty.png", "")
        XCTAssertEqual(mkfifo(f + "/fifo", 0o600), 0)
        try manager.createDirectory(atPath: f + "/photos", withIntermediateDirectories: true)
        try manager.copyItem(atPath: photo, toPath: f + "/photos/cat.png")
        // Canvases.
        let head = "palette = \"\(palette)\"\ngrid = '''\n"
        let brushes = "'''\n[brushes]\na = { class = \"seashore\" }\n"
        try write("char.canvas", head + "aa\nax\n" + brushes)
        try write("toml.canvas", "grid = [{\n")
        try write("tab.canvas", head + "a\ta\n" + brushes)
        try write("huge.canvas", head + Array(repeating: String(repeating: "a", count: 70), count: 70).joined(separator: "\n") + "\n" + brushes)
        try write("size.canvas", head + "aa\n" + brushes + "[settings]\nsize = 100000\n")
        try write("steps.canvas", head + "aa\n" + brushes + "[settings]\nsteps = 10000000\n")
        try write("nopalette.canvas", "palette = \"\(f)/nowhere\"\ngrid = '''\naa\n" + brushes)
        try write("good.canvas", head + "aa\n" + brushes)
        try write("cellout.canvas", "palette = \"\(f)/cellout\"\ngrid = '''\naa\n" + brushes)
        // Palettes.
        try manager.createDirectory(atPath: f + "/badjson", withIntermediateDirectories: true)
        try write("badjson/palette.json", #"{"format": "atlas-palette/1", "model": 3}"#)
        // A palette.json whose numbers are out of bounds: a huge channel count, a cell outside the grid.
        let description = try XCTUnwrap(String(data: XCTUnwrap(manager.contents(atPath: palette + "/palette.json")), encoding: .utf8))
        for (folder, from, to) in [("hugechannels", "\"channels\" : 96", "\"channels\" : 4611686018427387904"),
                                   ("cellout", "\"column\" : 8,", "\"column\" : 20,")] {
            try manager.createDirectory(atPath: "\(f)/\(folder)", withIntermediateDirectories: true)
            XCTAssertTrue(description.contains(from), from)
            try write("\(folder)/palette.json", description.replacingOccurrences(of: from, with: to))
        }
        // An index.json with a scale of 0 pixels.
        try manager.createDirectory(atPath: f + "/zeroscale", withIntermediateDirectories: true)
        try write("zeroscale/index.json", #"{"format": "atlas-index/1", "origin": {"model": "mobilenet_v2", "weightsSHA256": "x", "layer": "features.13", "channels": 96, "stride": 16}, "scales": [0], "shards": [], "images": []}"#)
        try manager.createDirectory(atPath: f + "/nan", withIntermediateDirectories: true)
        for name in ["palette.json", "whitening.npy"] { try manager.copyItem(atPath: palette + "/" + name, toPath: f + "/nan/" + name) }
        var vectors = try NPY.read(palette + "/vectors.npy")
        vectors = NPYArray(shape: vectors.shape, values: vectors.values.enumerated().map { $0.offset == 7 ? .nan : $0.element })
        try NPY.write(vectors, to: f + "/nan/vectors.npy")
        try write("nancanvas.canvas", "palette = \"\(f)/nan\"\ngrid = '''\naa\n" + brushes)
        // Arrays.
        try NPY.write(NPYArray(shape: [6], values: [1, 2, 3, 4, 5, 6]), to: f + "/flat.npy")
        try NPY.write(NPYArray(shape: [20, 3], values: (0..<60).map { Float($0 % 7) }), to: f + "/points.npy")
        try NPY.write(NPYArray(shape: [5], values: [0, 1, 0, 1, 0]), to: f + "/labels.npy")
        try NPY.write(NPYArray(shape: [20, 3], values: (0..<60).map { $0 == 31 ? .nan : Float($0 % 7) }), to: f + "/nanpoints.npy")
        // Folders that hold other artefacts.
        for (folder, marker) in [("holds-index", "index.json"), ("holds-collection", "collection.json")] {
            try manager.createDirectory(atPath: "\(f)/\(folder)", withIntermediateDirectories: true)
            try write("\(folder)/\(marker)", "{}")
        }
        try manager.createDirectory(atPath: f + "/empty-folder", withIntermediateDirectories: true)
        // Model cards and ONNX files.
        let card = "input_size = 224\nmean = [123.7, 116.3, 103.5]\nstd = [58.4, 57.1, 57.4]\nlabels = \"imagenet\"\n"
        try write("nokey.toml", "onnx = \"m.onnx\"\nmean = [1, 2, 3]\nstd = [1, 1, 1]\nlabels = \"imagenet\"\n")
        try write("shortmean.toml", "onnx = \"m.onnx\"\n" + card.replacingOccurrences(of: "[123.7, 116.3, 103.5]", with: "[123.7, 116.3]"))
        try write("notonnx.toml", "onnx = \"cut.png\"\n" + card)
        try write("noonnx.toml", "onnx = \"none.onnx\"\n" + card)

        let out = f + "/out.png"
        let cases: [Case] = [
            // classify
            Case(arguments: ["classify", f + "/missing.png"], status: 2, says: "missing.png: no such image file"),
            Case(arguments: ["classify", f + "/cut.png"], status: 1, says: "cut.png: "),
            Case(arguments: ["classify", f + "/text.png"], status: 1, says: "text.png: not a PNG, JPEG or WebP image"),
            Case(arguments: ["classify", f + "/empty.png"], status: 1, says: "empty.png: empty file"),
            Case(arguments: ["classify", "/dev/zero"], status: 1, says: "/dev/zero: a device or socket"),
            Case(arguments: ["classify", f + "/fifo"], status: 1, says: "fifo: a FIFO"),
            Case(arguments: ["classify", photo, "--top", "0"], status: 2, says: "--top"),
            Case(arguments: ["classify", photo, "--batch-size", "0"], status: 2, says: "batch"),
            Case(arguments: ["classify", photo, "--weights", f + "/text.png"], status: 1, says: "text.png"),
            Case(arguments: ["classify", photo, "--model", "resnet9000"], status: 2, says: "resnet9000"),
            // canvas check
            Case(arguments: ["canvas", "check", f + "/missing.canvas"], status: 1, says: "missing.canvas: no such canvas file"),
            Case(arguments: ["canvas", "check", f + "/char.canvas"], status: 1, says: "char.canvas:4:2: unknown character 'x'"),
            Case(arguments: ["canvas", "check", f + "/toml.canvas"], status: 1, says: "toml.canvas:1:"),
            Case(arguments: ["canvas", "check", f + "/tab.canvas"], status: 1, says: "tab.canvas:3:2: a tab in the grid"),
            Case(arguments: ["canvas", "check", f + "/huge.canvas"], status: 1, says: "huge.canvas:3:65: the grid is larger than 64 cells"),
            Case(arguments: ["canvas", "check", f + "/size.canvas"], status: 1, says: "size.canvas:8:1: `size` = 100000 is above the limit"),
            Case(arguments: ["canvas", "check", f + "/steps.canvas"], status: 1, says: "`steps` = 10000000 is above the limit"),
            Case(arguments: ["canvas", "check", "/dev/zero"], status: 1, says: "/dev/zero: a device or socket"),
            Case(arguments: ["canvas", "check", f + "/fifo"], status: 1, says: "fifo: a FIFO"),
            Case(arguments: ["canvas", "check", f], status: 1, says: "a folder, where a regular file"),
            Case(arguments: ["canvas", "check", f + "/nopalette.canvas"], status: 1, says: "nowhere"),
            Case(arguments: ["canvas", "check", f + "/nancanvas.canvas"], status: 1, says: "vectors.npy: cell ["),
            // canvas new
            Case(arguments: ["canvas", "new", "--palette", palette, "--grid", "0x5", "-o", f + "/new.canvas"], status: 2,
                 says: "--grid", leaves: f + "/new.canvas"),
            Case(arguments: ["canvas", "new", "--palette", f + "/nowhere", "-o", f + "/new2.canvas"], status: 1, says: "nowhere",
                 leaves: f + "/new2.canvas"),
            // paint
            Case(arguments: ["paint", f + "/good.canvas", "-o", out, "--steps", "0"], status: 2, says: "--steps must be positive", leaves: out),
            Case(arguments: ["paint", f + "/good.canvas", "-o", out, "--steps", "-5"], status: 2, says: "--steps must be positive", leaves: out),
            Case(arguments: ["paint", f + "/good.canvas", "-o", out, "--size", "99999"], status: 2, says: "--size", leaves: out),
            Case(arguments: ["paint", f + "/char.canvas", "-o", out], status: 1, says: "char.canvas:4:2", leaves: out),
            Case(arguments: ["paint", f + "/huge.canvas", "-o", out], status: 1, says: "huge.canvas:3:65", leaves: out),
            // search
            Case(arguments: ["search", "--index", f + "/empty-folder", "--image", photo, "--region", "6,6,3,8"], status: 2, says: "--region"),
            Case(arguments: ["search", "--index", f + "/empty-folder", "--image", photo, "--region", "1,1,1,1"], status: 2, says: "--region"),
            Case(arguments: ["search", "--index", f + "/empty-folder", "--brush", "seashore", "--palette", palette], status: 1,
                 says: "empty-folder: no index here"),
            Case(arguments: ["search", "--index", f + "/empty-folder", "--brush", "seashore", "--palette", palette, "--top", "0"],
                 status: 2, says: "--top"),
            Case(arguments: ["search", "--index", f + "/empty-folder"], status: 2, says: "give exactly one query"),
            // palette show
            Case(arguments: ["palette", "show", f + "/nowhere"], status: 1, says: "nowhere"),
            Case(arguments: ["palette", "show", f + "/badjson"], status: 1, says: "palette.json: not a palette description: 'model': expected a string"),
            Case(arguments: ["palette", "show", f + "/hugechannels"], status: 1, says: "palette.json: 'channels' is 4611686018427387904, expected 1 to 65536"),
            Case(arguments: ["canvas", "check", f + "/cellout.canvas"], status: 1, says: "palette.json: 'cells[0].column' is 20, expected 0 to 19"),
            Case(arguments: ["search", "--index", f + "/zeroscale", "--brush", "seashore", "--palette", palette], status: 1,
                 says: "index.json: 'scales[0]' is 0, expected 1 to 65536"),
            Case(arguments: ["palette", "show", f + "/nan"], status: 1, says: "vectors.npy: cell ["),
            Case(arguments: ["palette", "show", palette, "--cell", "99,99"], status: 1, says: "99"),
            // layout
            Case(arguments: ["layout", "umap", f + "/missing.npy", "-o", f + "/o1.npy"], status: 1, says: "missing.npy: no such .npy array",
                 leaves: f + "/o1.npy"),
            Case(arguments: ["layout", "umap", f + "/flat.npy", "-o", f + "/o2.npy"], status: 1, says: "flat.npy: expected a 2-D",
                 leaves: f + "/o2.npy"),
            Case(arguments: ["layout", "umap", f + "/points.npy", "-o", f + "/o3.npy", "--plot", f + "/p.png", "--labels", f + "/labels.npy"],
                 status: 1, says: "labels.npy: 5 labels for 20 points", leaves: f + "/o3.npy"),
            Case(arguments: ["layout", "umap", f + "/nanpoints.npy", "-o", f + "/o4.npy"], status: 1, says: "nanpoints.npy",
                 leaves: f + "/o4.npy"),
            Case(arguments: ["layout", "tsne", f + "/points.npy", "-o", f + "/o5.npy", "--dims", "3"], status: 1, says: "1 or 2",
                 leaves: f + "/o5.npy"),
            Case(arguments: ["layout", "umap", f + "/text.png", "-o", f + "/o6.npy"], status: 1, says: "text.png", leaves: f + "/o6.npy"),
            // A negative count of epochs or iterations ran for ever (an empty range read backwards).
            Case(arguments: ["layout", "umap", f + "/points.npy", "-o", f + "/o7.npy", "--epochs", "-5"], status: 1,
                 says: "epochs = -5: expected 0 or more", leaves: f + "/o7.npy"),
            Case(arguments: ["layout", "tsne", f + "/points.npy", "-o", f + "/o8.npy", "--iterations", "-1"], status: 1,
                 says: "expected 0 or more of each", leaves: f + "/o8.npy"),
            // studio
            Case(arguments: ["studio", "--palettes", f + "/nowhere"], status: 1, says: "nowhere: no such folder"),
            Case(arguments: ["studio", "--palettes", f + "/photos"], status: 1, says: "photos: no palette here or below"),
            Case(arguments: ["studio", "--index", f + "/photos"], status: 1, says: "photos: no index here"),
            Case(arguments: ["studio", "--collection", f + "/photos"], status: 1, says: "no collection here"),
            Case(arguments: ["studio", "--port", "70000"], status: 2, says: "--port must be 0 to 65535"),
            // model cards (ONNX files: Tests/ONNXTests)
            Case(arguments: ["model", "check", f + "/nokey.toml"], status: 1, says: "nokey.toml: missing `input_size = 224`"),
            Case(arguments: ["classify", "--model", f + "/shortmean.toml", photo], status: 1,
                 says: "shortmean.toml: `mean` has 2 values, expected 3"),
            Case(arguments: ["layers", "--model", f + "/notonnx.toml"], status: 1, says: "cut.png: not an ONNX model"),
            Case(arguments: ["layers", "--model", f + "/noonnx.toml"], status: 1, says: "none.onnx: no such ONNX model"),
            Case(arguments: ["layers", "--model", "mobilenet_v3"], status: 2, says: "The value 'mobilenet_v3' is invalid for '--model"),
            Case(arguments: ["visualize", "--model", f + "/noonnx.toml", "--weights", "w.pth", "--layer", "x", "--channel", "0",
                             "-o", f + "/v.png"], status: 2, says: "--weights and --no-verify apply to built-in networks", leaves: f + "/v.png"),
            // collect and index build
            Case(arguments: ["collect", "--images", f + "/photos", "--layer", "features.13", "-o", f + "/holds-index"], status: 1,
                 says: "holds-index: holds an index (index.json)", leaves: f + "/holds-index/collection.json"),
            Case(arguments: ["collect", "--images", f + "/photos", "--layer", "features.99", "-o", f + "/c2"], status: 1, says: "features.99",
                 leaves: f + "/c2/collection.json"),
            Case(arguments: ["collect", "--images", f + "/nowhere", "--layer", "features.13", "-o", f + "/c3"], status: 1, says: "nowhere",
                 leaves: f + "/c3/collection.json"),
            Case(arguments: ["collect", "--images", f + "/photos", "--layer", "features.13", "-o", f + "/c4", "--shard", "0/3"], status: 2,
                 says: "The value '0/3' is invalid for '--shard <shard>'", leaves: f + "/c4"),
            Case(arguments: ["collect", "--images", f + "/photos", "--layer", "features.13", "-o", f + "/c5", "--shard", "4/3"], status: 2,
                 says: "The value '4/3' is invalid for '--shard <shard>'", leaves: f + "/c5"),
            Case(arguments: ["collect", "merge", f + "/empty-folder", "-o", f + "/m"], status: 1, says: "no collection here", leaves: f + "/m"),
            Case(arguments: ["index", "merge", f + "/empty-folder", "-o", f + "/m2"], status: 1, says: "empty-folder: no index here",
                 leaves: f + "/m2"),
            Case(arguments: ["index", "build", "--images", f + "/photos", "--layer", "features.13", "-o", f + "/holds-collection"], status: 1,
                 says: "holds-collection: holds a collection (collection.json)", leaves: f + "/holds-collection/index.json"),
            Case(arguments: ["index", "ivf", f + "/empty-folder"], status: 1, says: "empty-folder: no index here", leaves: f + "/empty-folder/ivf"),
            Case(arguments: ["index", "ivf", f + "/empty-folder", "--lists", "0"], status: 2, says: "--lists must be 1 to 32768, got 0"),
            Case(arguments: ["search", "--index", f + "/empty-folder", "--brush", "seashore", "--palette", palette, "--probe", "0"],
                 status: 2, says: "--probe must be positive, got 0"),
            // analyses
            Case(arguments: ["compare", f + "/nowhere", "castle", "palace", "-o", f + "/c.png"], status: 1, says: "nowhere",
                 leaves: f + "/c.png"),
            Case(arguments: ["patch-test", "--images", f + "/photos", "--to", "castle", "--palette", palette, "--size", "1.5"], status: 2,
                 says: "--size"),
            Case(arguments: ["patch-test", "--images", f + "/photos", "--to", "castle", "--palette", palette, "--corner", "xx"], status: 2,
                 says: "--corner"),
            Case(arguments: ["patch-test", "--images", f + "/photos", "--to", "castel", "--palette", palette], status: 1, says: "castel"),
            Case(arguments: ["visualize", "--layer", "features.99", "--channel", "0", "-o", f + "/v.png"], status: 1, says: "features.99",
                 leaves: f + "/v.png"),
            Case(arguments: ["visualize", "--layer", "features.13", "--channel", "9999", "-o", f + "/v.png"], status: 2,
                 says: "--channel 9999 is outside layer features.13, which has 96 channels",
                 leaves: f + "/v.png"),
            Case(arguments: ["layers", "--size", "0"], status: 2, says: "--size"),
            Case(arguments: ["grid", f + "/text.png", "--palette", palette, "-o", f + "/g.png"], status: 1, says: "text.png",
                 leaves: f + "/g.png"),
            Case(arguments: ["render", f + "/nowhere", "-o", f + "/r.png"], status: 1, says: "nowhere", leaves: f + "/r.png"),
        ]
        XCTAssertGreaterThanOrEqual(cases.count, 50)
        var failures: [String] = []
        for test in cases {
            let result = try AtlasBinary.run(test.arguments)
            let command = "atlas " + test.arguments.joined(separator: " ")
            var wrong: [String] = []
            if result.signalled { wrong.append("killed by signal \(result.status)") }
            if result.status != test.status { wrong.append("exit \(result.status), expected \(test.status)") }
            if !result.errors.contains(test.says) { wrong.append("stderr lacks \"\(test.says)\"") }
            if test.status == 1 && (result.errorLines.count != 1 || !result.errors.hasPrefix("atlas: error: ")) {
                wrong.append("not one line `atlas: error: ...`")
            }
            if test.status == 2 && !result.errors.contains("Usage: atlas") { wrong.append("no usage") }
            if let leaves = test.leaves, manager.fileExists(atPath: leaves) { wrong.append("left \(leaves)") }
            if !wrong.isEmpty { failures.append("\(command)\n    \(wrong.joined(separator: "; "))\n    stderr: \(result.errors)") }
        }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) of \(cases.count) cases:\n" + failures.joined(separator: "\n"))
    }

    /// A full disk (a 64 KiB tmpfs, where the machine lets the tests mount one) is an error naming
    /// the file that could not be written, and a run that can be resumed, not a crash.
    func testAFullDiskIsAnErrorNamingTheFile() throws {
        let mountPoint = try TestFiles.temporaryFolder("full-disk", removedAfter: self)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { throw XCTSkip("cannot mount a tmpfs here (not root?)") }
        defer {
            let unmount = Process()
            unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
            unmount.arguments = [mountPoint]
            try? unmount.run()
            unmount.waitUntilExit()
        }
        let result = try AtlasBinary.run(["collect", "--images", TestFiles.photos, "--layer", "features.13", "-o", mountPoint + "/run"])
        XCTAssertFalse(result.signalled)
        XCTAssertEqual(result.status, 1, result.errors)
        XCTAssertEqual(result.errorLines.last, "atlas: error: \(mountPoint)/run/shard-00000/activations.npy: cannot write: No space left on device")
        let left = try FileManager.default.contentsOfDirectory(atPath: mountPoint + "/run/shard-00000")
        XCTAssertTrue(left.isEmpty, "no partial or temporary file is left: \(left)")
    }
}

/// A run killed mid-way (SIGKILL, nothing flushed) and started again finishes with exactly what
/// an uninterrupted run writes.
final class KilledRunTests: XCTestCase {
    func testAKilledIndexBuildResumesToTheSameIndex() throws {
        let folder = try TestFiles.temporaryFolder("killed", removedAfter: self)
        try FileManager.default.createDirectory(atPath: folder + "/photos", withIntermediateDirectories: true)
        for name in ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg", "camera.png"] {
            try FileManager.default.copyItem(atPath: TestFiles.photo(name), toPath: "\(folder)/photos/\(name)")
        }
        let arguments = { (output: String) in ["index", "build", "--images", folder + "/photos", "--layer", "features.13", "--batch", "1",
                                               "-o", output] }
        XCTAssertEqual(try AtlasBinary.run(arguments(folder + "/whole")).status, 0)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try AtlasBinary.path())
        process.arguments = arguments(folder + "/killed")
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let firstShard = folder + "/killed/shards/000000.grids"
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: firstShard) && process.isRunning && Date() < deadline { usleep(5_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the run was killed before it finished")
        let before = FileManager.default.contents(atPath: folder + "/killed/index.json")
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        XCTAssertLessThan((before?["images"] as? [Any])?.count ?? 0, 6, "the killed run had not indexed every photo")
        let resumed = try AtlasBinary.run(arguments(folder + "/killed"))
        XCTAssertEqual(resumed.status, 0, resumed.errors)

        func manifest(_ name: String) throws -> [String: Any] {
            let data = try XCTUnwrap(FileManager.default.contents(atPath: "\(folder)/\(name)/index.json"))
            return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let (whole, killed) = (try manifest("whole"), try manifest("killed"))
        XCTAssertEqual((killed["images"] as? [Any])?.count, 6)
        XCTAssertEqual(NSDictionary(dictionary: killed).isEqual(to: whole), true, "the resumed index.json differs")
        for shard in try FileManager.default.contentsOfDirectory(atPath: folder + "/whole/shards") {
            XCTAssertEqual(FileManager.default.contents(atPath: "\(folder)/killed/shards/\(shard)"),
                           FileManager.default.contents(atPath: "\(folder)/whole/shards/\(shard)"), shard)
        }
    }
}
