import ArgumentParser
import Foundation
import Models
import ONNX
import Tensor

/// The PyTorch anchors: Python scripts in Benchmarks/anchors run in .deps/venv-bench, each
/// printing one JSON result line.
enum TorchAnchor {
    /// Runs `script` (relative to the repository) with `arguments` in .deps/venv-bench, creating
    /// the venv first if it is missing, and decodes its last JSON line.
    static func run<Result: Decodable>(script: String, arguments: [String], as: Result.Type) throws -> Result {
        guard let root = AtlasHome.folder(holding: script) else {
            throw ValidationError("\(script) not found in \(AtlasHome.searched)")
        }
        let python = "\(root)/.deps/venv-bench/bin/python"
        if !FileManager.default.isExecutableFile(atPath: python) {
            print("  creating .deps/venv-bench for the PyTorch anchor (Benchmarks/anchors/setup-torch-venv)")
            _ = try runTool("\(root)/Benchmarks/anchors/setup-torch-venv", [])
        }
        let output = try runTool(python, ["\(root)/\(script)"] + arguments)
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let result = try? JSONDecoder().decode(Result.self, from: Data(line.utf8)) else {
            throw ValidationError("the PyTorch anchor \(script) printed no result line:\n\(output)")
        }
        return result
    }

    /// Runs a program and returns its standard output (its standard error passes through).
    static func runTool(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(executable) \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus))")
        }
        return text
    }
}

/// The options every network benchmark against a PyTorch anchor shares.
struct TorchAnchorOptions: ParsableArguments {
    @Option(help: "Compute threads, for both (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Skip the PyTorch anchor.")
    var noAnchor = false

    @Flag(help: "Also time MobileNetV2 imported from an ONNX graph of the same checkpoint (written to .deps/onnx/ by Tests/Reference/onnx_models.py), as a ratio to the native builder.")
    var onnx = false

    /// Sets the thread count, then loads the installed MobileNetV2.
    func loadMobileNetV2() throws -> Network {
        try ComputeThreads.set(threads)
        return try ModelName.mobileNetV2.load(weightsAt: ModelName.mobileNetV2.weightsFile.defaultPath())
    }

    /// With `--onnx`, MobileNetV2 as an ONNX graph (batch norm and ReLU6 as separate nodes, as
    /// torch.onnx.export writes them) of the installed checkpoint, imported; nil without.
    func loadONNXMobileNetV2() throws -> Network? {
        guard onnx else { return nil }
        let script = "Tests/Reference/onnx_models.py"
        guard let root = AtlasHome.folder(holding: script) else { throw ValidationError("\(script) not found in \(AtlasHome.searched)") }
        let path = "\(root)/.deps/onnx/mobilenet_v2.onnx"
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: "\(root)/.deps/onnx", withIntermediateDirectories: true)
            _ = try TorchAnchor.runTool("\(root)/.deps/venv/bin/python3",
                                        ["\(root)/\(script)", "mobilenet_v2", ModelName.mobileNetV2.weightsFile.defaultPath(), path])
        }
        return try ONNXModel.load(path: path, name: "mobilenet_v2 (ONNX)", normalization: .imageNet)
    }
}
