import Foundation
import TestSupport
import XCTest

/// The `atlas` executable as a user meets it: help, a check, a classification on the real model,
/// and the way it ends on bad input (usage mistakes exit 2 with the usage, other errors exit 1
/// with one line naming the file and the problem; never a signal).
final class CLITests: XCTestCase {
    func testHelpListsEveryCommand() throws {
        let result = try AtlasBinary.run(["--help"])
        XCTAssertEqual(result.status, 0, result.errors)
        for command in ["classify", "model", "layers", "visualize", "collect", "layout", "palette", "render", "canvas", "paint", "index",
                        "search", "grid", "patch-test", "compare", "dataset", "studio"] {
            XCTAssertTrue(result.output.contains("  \(command)"), "--help does not list \(command)")
        }
    }

    func testCanvasCheckResolvesTheExampleCanvas() throws {
        let result = try AtlasBinary.run(["canvas", "check", "canvases/seashore.canvas"])
        XCTAssertEqual(result.status, 0, result.errors)
        XCTAssertTrue(result.output.hasPrefix("canvases/seashore.canvas: ok"), result.output)
        XCTAssertTrue(result.output.contains("w  seashore"), result.output)
    }

    func testClassifyReadsThePhotoWithTheRealModel() throws {
        let result = try AtlasBinary.run(["classify", TestFiles.photo("chelsea.png")])
        XCTAssertEqual(result.status, 0, result.errors)
        let top = result.output.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
        XCTAssertTrue(["Egyptian cat", "tabby", "tiger cat"].contains { top.hasSuffix($0) }, result.output)
    }

    func testABadCanvasIsOneLineWithItsFileLineAndColumn() throws {
        let folder = try TestFiles.temporaryFolder("cli", removedAfter: self)
        let path = folder + "/bad.canvas"
        try Data("palette = \"\(TestFiles.path("palettes/mobilenet_v2/features.13"))\"\ngrid = '''\nab\n.bx\n'''\n[brushes]\na = { cell = [0, 0] }\nb = { class = \"tabby\" }\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let result = try AtlasBinary.run(["canvas", "check", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertFalse(result.signalled)
        XCTAssertEqual(result.errorLines.count, 1, result.errors)
        XCTAssertTrue(result.errors.hasPrefix("atlas: error: \(path):4:3: "), result.errors)
    }

    func testAnUndecodablePhotoIsNamed() throws {
        let folder = try TestFiles.temporaryFolder("cli", removedAfter: self)
        let path = folder + "/notes.png"
        try Data("these are not pixels".utf8).write(to: URL(fileURLWithPath: path))
        let result = try AtlasBinary.run(["classify", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.errorLines, ["atlas: error: \(path): not a PNG, JPEG or WebP image (starts with 74 68 65 73 65 20 61 72 65 20 6e 6f)"])
    }

    /// A negative number is the option's value, refused as such (not "Missing value").
    func testANegativeStepCountIsAUsageError() throws {
        let result = try AtlasBinary.run(["paint", "canvases/seashore.canvas", "-o", "/tmp/never.png", "--steps", "-5"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.errors.contains("--steps must be positive"), result.errors)
        XCTAssertTrue(result.errors.contains("Usage: atlas paint"), result.errors)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/never.png"))
    }

    /// An inverted or empty region is refused before anything is loaded (it once crashed, and
    /// 6,6,3,3 allocated until killed).
    func testAnInvertedSearchRegionIsRefused() throws {
        for region in ["6,6,3,8", "6,6,3,3", "2,2,2,5", "-1,0,3,3", "1,2,3"] {
            let result = try AtlasBinary.run(["search", "--index", "/nonexistent", "--image", TestFiles.photo("chelsea.png"),
                                              "--region", region])
            XCTAssertEqual(result.status, 2, "\(region): \(result.errors)")
            XCTAssertTrue(result.errors.contains("--region"), result.errors)
        }
    }

    /// What is printed must arrive: a reader that went away, or a full disk, is an error.
    func testAFailingStandardOutputIsAnError() throws {
        let closed = try AtlasBinary.run(["classify", TestFiles.photo("chelsea.png"), TestFiles.photo("coffee.png")], closeOutput: true)
        XCTAssertFalse(closed.signalled, "killed by a signal")
        XCTAssertEqual(closed.status, 1, closed.errors)
        XCTAssertEqual(closed.errorLines.last, "atlas: error: standard output: cannot write: Broken pipe")
    }

    /// palette.json's mistakes are said in words: the key and what was expected.
    func testAPaletteDescriptionOfTheWrongShapeIsExplained() throws {
        let folder = try TestFiles.temporaryFolder("cli", removedAfter: self)
        try Data(#"{"format": "atlas-palette/1", "model": 3}"#.utf8).write(to: URL(fileURLWithPath: folder + "/palette.json"))
        let result = try AtlasBinary.run(["palette", "show", folder])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.errorLines, ["atlas: error: \(folder)/palette.json: not a palette description: 'model': expected a string"])
    }

    func testHelpShowsDefaultsAsTheyAreTyped() throws {
        let result = try AtlasBinary.run(["canvas", "new", "--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("(default: 14x14)"), result.output)
    }
}

/// `atlas classify` on a folder with a photo that cannot be read: the others are classified,
/// the bad one is named on its own line, and the exit status says something went wrong.
final class CLIFolderTests: XCTestCase {
    func testAnUnreadablePhotoInAFolderIsReportedAndTheRestClassified() throws {
        let folder = try TestFiles.temporaryFolder("cli", removedAfter: self)
        try FileManager.default.copyItem(atPath: TestFiles.photo("chelsea.png"), toPath: folder + "/a-cat.png")
        // A PNG cut short: its first bytes make it an image of the folder, its data cannot be decoded.
        let png = try XCTUnwrap(FileManager.default.contents(atPath: TestFiles.photo("chelsea.png")))
        try png.prefix(200).write(to: URL(fileURLWithPath: folder + "/b-broken.png"))
        try FileManager.default.copyItem(atPath: TestFiles.photo("coffee.png"), toPath: folder + "/c-coffee.png")
        let result = try AtlasBinary.run(["classify", folder, "--top", "1"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.errorLines.count, 1, result.errors)
        XCTAssertTrue(result.errors.hasPrefix("atlas: error: \(folder)/b-broken.png: "), result.errors)
        XCTAssertTrue(result.output.contains("a-cat.png") && result.output.contains("c-coffee.png"), result.output)
        XCTAssertTrue(result.output.contains("espresso") || result.output.contains("cup"), result.output)
    }

    /// `atlas index ivf` gives an index its inverted file; `atlas search` then goes through it and
    /// answers as the full scan (--exhaustive) does; an index changed since is searched in full,
    /// with a message saying how to rebuild.
    func testSearchThroughTheInvertedFileAnswersAsTheFullScan() throws {
        let folder = try TestFiles.temporaryFolder("cli-ivf", removedAfter: self)
        try FileManager.default.createDirectory(atPath: folder + "/photos", withIntermediateDirectories: true)
        for name in ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg"] {
            try FileManager.default.copyItem(atPath: TestFiles.photo(name), toPath: folder + "/photos/" + name)
        }
        let build = try AtlasBinary.run(["index", "build", "--images", folder + "/photos", "--layer", "features.13", "-o", folder + "/index"])
        XCTAssertEqual(build.status, 0, build.errors)
        let ivf = try AtlasBinary.run(["index", "ivf", folder + "/index"])
        XCTAssertEqual(ivf.status, 0, ivf.errors)
        XCTAssertTrue(ivf.output.contains("16 bytes of codes per position, 784 positions of 4 photos"), ivf.output)
        let query = ["search", "--index", folder + "/index", "--brush", "tabby", "--palette", TestFiles.path("palettes/mobilenet_v2/features.13"),
                     "--json"]
        let (fast, full) = (try AtlasBinary.run(query), try AtlasBinary.run(query + ["--exhaustive"]))
        XCTAssertEqual(fast.status, 0, fast.errors)
        XCTAssertEqual(fast.output, full.output)
        XCTAssertTrue(fast.output.hasPrefix("{\"image\": \"\(folder)/photos/chelsea.png\""), fast.output)
        try FileManager.default.copyItem(atPath: TestFiles.photo("coffee.png"), toPath: folder + "/photos/zz-coffee.png")
        XCTAssertEqual(try AtlasBinary.run(["index", "build", "--images", folder + "/photos", "--layer", "features.13", "-o", folder + "/index"]).status, 0)
        let stale = try AtlasBinary.run(query)
        XCTAssertEqual(stale.status, 0, stale.errors)
        XCTAssertTrue(stale.errors.contains("the index changed after its inverted file was built (rebuild it: atlas index ivf \(folder)/index); "
            + "searching every photo"), stale.errors)
        XCTAssertTrue(stale.output.hasPrefix(fast.output.split(separator: "\n")[0]), stale.output)
    }
}
