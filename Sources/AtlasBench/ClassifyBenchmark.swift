import ArgumentParser
import Foundation
import Models
import Tensor

/// `atlas-bench classify`: MobileNetV2's forward pass, ours (oneDNN) against PyTorch's on the CPU,
/// measured in the same run with the same thread count.
struct ClassifyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "MobileNetV2 forward speed at 224x224, batch 1 and 16, against PyTorch (Benchmarks/anchors/torch_classify.py).")

    @OptionGroup var anchorOptions: TorchAnchorOptions

    @Option(parsing: .unconditional, help: "Timing length per batch size, in seconds.")
    var seconds = 3.0

    func run() throws {
        let network = try anchorOptions.loadMobileNetV2()
        let flops = try Self.flopsPerImage(network.graph, inputSize: network.inputSize)
        print("mobilenet_v2, \(ComputeThreads.count) threads, \(String(format: "%.2f", flops / 1e9)) GFLOP per image")
        let onnx = try anchorOptions.loadONNXMobileNetV2()
        var ours: [Int: Double] = [:]
        for batch in [1, 16] {
            let ips = try imagesPerSecond(network, batch: batch)
            ours[batch] = ips
            print(String(format: "  atlas (oneDNN) batch %2d: %7.1f images/s  (%.1f GFLOP/s)", batch, ips, ips * flops / 1e9))
            if let onnx {
                let onnxIPS = try imagesPerSecond(onnx, batch: batch)
                print(String(format: "  atlas, ONNX    batch %2d: %7.1f images/s   ONNX / native = %.3f", batch, onnxIPS, onnxIPS / ips))
            }
        }
        guard !anchorOptions.noAnchor else { return }
        let anchor = try TorchAnchor.run(script: "Benchmarks/anchors/torch_classify.py",
                                         arguments: ["--threads", "\(anchorOptions.threads)", "--seconds", "\(seconds)"], as: TorchResult.self)
        print("  PyTorch \(anchor.torch) (\(anchor.threads) threads):")
        for (batch, torchIPS) in [(1, anchor.batch1_ips), (16, anchor.batch16_ips)] {
            print(String(format: "  torch          batch %2d: %7.1f images/s   atlas / torch = %.2f", batch, torchIPS, ours[batch]! / torchIPS))
        }
    }

    /// Median throughput of repeated forward passes to the probabilities, after a warm-up that
    /// also compiles the primitives for the batch size.
    private func imagesPerSecond(_ network: Network, batch: Int) throws -> Double {
        let side = network.inputSize, count = batch * 3 * side * side
        // A fixed, image-like input: smooth values in about [-2, 2].
        let input = try Tensor(shape: [batch, 3, side, side], values: (0..<count).map { 2 * sin(Float($0 % 9973) * 0.01) })
        for _ in 0..<3 { _ = try network.probabilities(of: input) }
        var times: [Double] = []
        let clock = ContinuousClock(), deadline = clock.now + .seconds(seconds)
        while times.count < 5 || clock.now < deadline {
            let start = clock.now
            _ = try network.probabilities(of: input)
            let elapsed = clock.now - start
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        return Double(batch) / times.sorted()[times.count / 2]
    }

    /// Multiply-adds of the convolutions and fully connected layers, counted as 2 FLOP each.
    private static func flopsPerImage(_ graph: Graph, inputSize: Int) throws -> Double {
        let shapes = try graph.shapes(input: [1, 3, inputSize, inputSize])
        return zip(graph.nodes, shapes).reduce(0) { total, entry in
            let (node, shape) = entry
            switch node.operation {
            case .convolution(let c):
                return total + 2 * Double(shape.reduce(1, *) * c.weights.shape.dropFirst().reduce(1, *))
            case .linear(let l):
                return total + 2 * Double(l.weights.count)
            default:
                return total
            }
        }
    }

    /// The anchor's JSON line.
    private struct TorchResult: Decodable {
        let batch1_ips: Double
        let batch16_ips: Double
        let threads: Int
        let torch: String
    }
}
