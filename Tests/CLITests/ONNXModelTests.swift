import Foundation
import TestSupport
import XCTest

/// `--model CARD.toml` as a user runs it: MobileNetV2 written as an ONNX graph (by
/// Tests/Reference/onnx_models.py, from the installed checkpoint) classifies photos as
/// onnxruntime does, and the card's mistakes are clear errors.
final class ONNXModelTests: XCTestCase {
    private var folder = ""
    private var card = ""

    override func setUpWithError() throws {
        folder = try TestFiles.temporaryFolder("onnx-cli", removedAfter: self)
        try Python.runReference("onnx_models.py", ["mobilenet_v2", try TestFiles.weights("mobilenet_v2-b0353104.pth"),
                                                   folder + "/mnv2.onnx"])
        card = folder + "/mnv2.toml"
        try """
            onnx = "mnv2.onnx"
            input_size = 224
            mean = [123.675, 116.28, 103.53]
            std = [58.395, 57.12, 57.375]
            labels = "imagenet"
            """.write(toFile: card, atomically: true, encoding: .utf8)
    }

    func testClassifyThroughACardAgreesWithOnnxruntime() throws {
        // The demo photos as 224x224 crops, and onnxruntime's top 5 for each from the same pixels.
        let crops = folder + "/crops"
        let reference = try Python.run("""
            import json, os, sys
            import numpy as np, onnxruntime
            from PIL import Image
            photos, model, out = sys.argv[1], sys.argv[2], sys.argv[3]
            os.makedirs(out)
            session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
            mean, std = np.array([123.675, 116.28, 103.53]), np.array([58.395, 57.12, 57.375])
            result = {}
            for name in sorted(os.listdir(photos)):
                image = Image.open(os.path.join(photos, name)).convert("RGB")
                side = min(image.size)
                left, top = (image.width - side) // 2, (image.height - side) // 2
                image = image.crop((left, top, left + side, top + side)).resize((224, 224), Image.BILINEAR)
                path = os.path.join(out, os.path.splitext(name)[0] + ".png")
                image.save(path)
                x = ((np.asarray(image, dtype=np.float64) - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)
                p = session.run(None, {session.get_inputs()[0].name: x})[0][0]
                top5 = np.argsort(-p, kind="stable")[:5]
                result[path] = [[int(i), float(p[i])] for i in top5]
            print(json.dumps(result))
            """, [TestFiles.photos, folder + "/mnv2.onnx", crops])
        let expected = try JSONDecoder().decode([String: [[Double]]].self, from: reference)
        XCTAssertEqual(expected.count, 6)
        let run = try AtlasBinary.run(["classify", "--model", card, "--resize", "none", "--json", "--top", "5", crops])
        XCTAssertEqual(run.status, 0, run.errors)
        struct Line: Decodable {
            struct Score: Decodable { let index: Int; let probability: Double }
            let image: String
            let top: [Score]
        }
        let lines = try run.output.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        XCTAssertEqual(lines.count, expected.count)
        for line in lines {
            let reference = try XCTUnwrap(expected[line.image], line.image)
            XCTAssertEqual(line.top.first?.index, Int(reference[0][0]), "top-1 of \(line.image)")
            for (score, pair) in zip(line.top, reference) {
                XCTAssertEqual(score.probability, pair[1], accuracy: 1e-3, "\(line.image): class \(score.index)")
            }
        }
    }

    func testModelCheckAndLayersReadTheCard() throws {
        let check = try AtlasBinary.run(["model", "check", card])
        XCTAssertEqual(check.status, 0, check.errors)
        for part in ["opset 13", "input 'input': [N, 3, 224, 224]", "parameters: 35", "classes: 1000", "features.13  96  14x14  16"] {
            XCTAssert(check.output.contains(part), "model check should print '\(part)':\n\(check.output)")
        }
        let layers = try AtlasBinary.run(["layers", "--model", card])
        XCTAssertEqual(layers.status, 0, layers.errors)
        XCTAssert(layers.output.contains("features.13\t96\t16\t14x14"), layers.output)
    }

    func testACollectionRecordsTheCardsModelAndRefusesAnother() throws {
        // A small random-weight ONNX model (32 px input) keeps this quick.
        try Python.runReference("onnx_models.py", ["zoo", folder + "/zoo"])
        let small = folder + "/zoo/small.toml"
        try "onnx = \"residual.onnx\"\ninput_size = 32\nmean = [127, 127, 127]\nstd = [64, 64, 64]\nlabels = \"imagenet\"\n"
            .write(toFile: small, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/photos", withIntermediateDirectories: true)
        for photo in ["chelsea.png", "coffee.png"] {
            try FileManager.default.copyItem(atPath: TestFiles.photo(photo), toPath: folder + "/photos/" + photo)
        }
        let run = folder + "/run"
        let collect = try AtlasBinary.run(["collect", "--model", small, "--images", folder + "/photos", "--layer", "block1",
                                           "--per-image", "4", "--top-k", "2", "-o", run])
        XCTAssertEqual(collect.status, 0, collect.errors)
        let header = try String(contentsOfFile: run + "/collection.json", encoding: .utf8)
        XCTAssert(header.contains("\"small\""), "the collection records the card's model name:\n\(header)")
        let sha = try Python.run("import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
                                 [folder + "/zoo/residual.onnx"])
        XCTAssert(header.contains(String(decoding: sha, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                  "the collection records the ONNX file's sha256")
        let other = try AtlasBinary.run(["collect", "--images", folder + "/photos", "--layer", "features.13", "--per-image", "4", "-o", run])
        XCTAssertEqual(other.status, 1)
        XCTAssert(other.errors.contains("small") && other.errors.contains("mobilenet_v2"), other.errors)
    }

    func testCardMistakesAreRefused() throws {
        let withWeights = try AtlasBinary.run(["layers", "--model", card, "--weights", "x.pth"])
        XCTAssertEqual(withWeights.status, 2)
        XCTAssert(withWeights.errors.contains("--weights and --no-verify apply to built-in networks"), withWeights.errors)
        let missing = try AtlasBinary.run(["layers", "--model", folder + "/none.toml"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.errorLines, ["atlas: error: \(folder)/none.toml: no such model card"])
        try "onnx = \"mnv2.onnx\"\ninput_size = 224\nmean = [1, 2]\nstd = [1, 1, 1]\nlabels = \"imagenet\"\n"
            .write(toFile: folder + "/short.toml", atomically: true, encoding: .utf8)
        let short = try AtlasBinary.run(["classify", "--model", folder + "/short.toml", TestFiles.photo("chelsea.png")])
        XCTAssertEqual(short.status, 1)
        XCTAssert(short.errors.contains("short.toml: `mean` has 2 values, expected 3"), short.errors)
    }
}
