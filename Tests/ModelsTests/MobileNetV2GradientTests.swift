import ArrayFiles
import Foundation
import Imaging
import Models
import Optvis
import Tensor
import XCTest
import TestSupport

/// Reverse mode through the real MobileNetV2 (weights from scripts/setup), and feature
/// visualization through it.
final class MobileNetV2GradientTests: XCTestCase {
    /// Loading takes seconds in a debug build: once for the class. XCTest runs a class's tests one
    /// after another on one thread, hence `nonisolated(unsafe)`.
    nonisolated(unsafe) private static var loaded: Network?

    private func network() throws -> Network {
        if let network = Self.loaded { return network }
        let network = try ModelName.mobileNetV2.load(weightsAt: TestFiles.weights("mobilenet_v2-b0353104.pth"))
        Self.loaded = network
        return network
    }

    private static func photo(_ name: String, size: Int) throws -> Tensor {
        let path = TestFiles.photo(name)
        let image = try decodeImage(at: path).resized(shortSide: size).centerCropped(width: size, height: size)
        let plane = size * size
        return try Tensor(shape: [1, 3, size, size], values: (0..<3 * plane).map { Float(image.pixels[$0 % plane * 3 + $0 / plane]) / 255 })
    }

    /// The mean of channel `channel` of `layer`, per batch item, in Double.
    private static func channelMean(_ activation: Tensor, _ channel: Int) -> [Double] {
        let (channels, plane) = (activation.shape[1], activation.shape[2] * activation.shape[3])
        return (0..<activation.shape[0]).map { n in
            activation.values[(n * channels + channel) * plane..<(n * channels + channel + 1) * plane].reduce(0.0) { $0 + Double($1) }
                / Double(plane)
        }
    }

    /// The input gradient of one channel's mean at features.6, on a photo (96 px, in [0, 1], the
    /// network normalising), against central differences along three directions. Thousands of
    /// ReLU6 units lie near a kink, so the difference quotient of this piecewise-linear function
    /// converges only as the step shrinks (measured: 1-4% off at 1e-3 per pixel, 0.3-1% at 3e-4,
    /// under 0.4% at 1e-4, where Float rounding of the mean is still ~1e-4 relative). A backward
    /// that dropped a path or mis-scaled a layer would be off by far more than the 1% allowed.
    func testInputGradientOfAChannelMatchesFiniteDifferences() throws {
        let network = try network()
        let image = try Self.photo("chelsea.png", size: 96)
        let (activation, pullback) = try network.activationWithPullback(images: image, layer: "features.6")
        let means = (0..<activation.shape[1]).map { Self.channelMean(activation, $0)[0] }
        let channel = means.indices.max { means[$0] < means[$1] }!
        var seed = Tensor(shape: activation.shape)
        let plane = activation.shape[2] * activation.shape[3]
        for i in 0..<plane { seed[0, channel, i / activation.shape[3], i % activation.shape[3]] = 1 / Float(plane) }
        let gradient = try pullback(seed)
        var random = SeededGenerator(seed: 5)
        try assertGradientMatchesCentralDifferences(gradient, at: image, using: &random, label: "features.6 channel \(channel)") {
            Self.channelMean(try network.activationWithPullback(images: $0, layer: "features.6").0, channel)[0]
        }
    }

    /// Feature visualization works end to end: for an early, a middle and a late layer (strides
    /// 4, 8, 16), the channel that real photos excite most on average is rendered (64 px, 96
    /// steps, the atlas transforms), and the rendering, fed back without transforms, excites that
    /// channel more at its best position than any of the photos (torchvision crops, 224 px) does
    /// at any position. (At features.3 and features.3.conv.0 the two were level after 96 steps:
    /// the mean objective on a small canvas does not yet push one position past a photo's best.)
    func testVisualizationExcitesItsChannelMoreThanPhotos() throws {
        let network = try network()
        let names = ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg"]
        let paths = names.map { TestFiles.photo($0) }
        let photos = try network.input(for: paths.map(decodeImage(at:)), names: paths, resizing: .torchvision)
        for layer in ["features.4.conv.0", "features.6", "features.13"] {
            let activation = try network.forward(photos, to: [layer])[0]
            let channels = activation.shape[1]
            let means = (0..<channels).map { Self.channelMean(activation, $0).reduce(0, +) }
            let channel = means.indices.max { means[$0] < means[$1] }!
            let photoBest = Self.channelMaximum(activation, channel).max()!
            let result = try render(objective: .channel(layer, channel), parameterization: ParameterizedImage(width: 64, height: 64),
                                    transforms: standardTransforms(size: 64), steps: 96, model: network, seed: 1)
            let rendered = try network.activationWithPullback(images: result.images, layer: layer).0
            let renderedBest = Self.channelMaximum(rendered, channel)[0]
            print("\(layer) channel \(channel): rendering \(renderedBest), best photo \(photoBest)")
            XCTAssertGreaterThan(renderedBest, photoBest, "\(layer) channel \(channel)")
        }
    }

    /// A direction rendered with the atlas's cosine objective comes back. The target v is the
    /// features.13 activation vector at the centre of a photo (chelsea's torchvision crop); it is
    /// rendered unwhitened (64 px, 128 steps, power 4, the atlas transforms), and the rendering,
    /// fed back without transforms, has a centre activation whose cosine with v is high, far
    /// above that of any position of four other photos.
    ///
    /// The objective's "cos" is the true cosine (the article's form; lucid's code divides by the
    /// channel count instead of |v|, which left its "cos" under the 0.1 floor for raw features.13
    /// vectors and the power without effect: measured cosine 0.52 that way, 0.78 with the true
    /// cosine; the best position of the other photos: 0.27).
    func testVisualizationOfADirectionPointsAlongIt() throws {
        let network = try network()
        let layer = "features.13"
        let names = ["chelsea.png", "astronaut.png", "coffee.png", "motorcycle_left.png", "rocket.jpg"]
        let paths = names.map { TestFiles.photo($0) }
        let photos = try network.forward(network.input(for: paths.map(decodeImage(at:)), names: paths, resizing: .torchvision),
                                         to: [layer])[0]
        let (height, width) = (photos.shape[2], photos.shape[3])
        let target = Self.vector(photos, item: 0, y: height / 2, x: width / 2)
        let result = try render(objective: .directionCosine(layer, target, power: 4),
                                parameterization: ParameterizedImage(width: 64, height: 64),
                                transforms: standardTransforms(size: 64), steps: 128, model: network, seed: 3)
        let rendered = try network.activationWithPullback(images: result.images, layer: layer).0
        let achieved = Self.cosine(Self.vector(rendered, item: 0, y: rendered.shape[2] / 2, x: rendered.shape[3] / 2), target)
        let photoBest = (1..<names.count).flatMap { n in
            (0..<height * width).map { Self.cosine(Self.vector(photos, item: n, y: $0 / width, x: $0 % width), target) }
        }.max()!
        print("\(layer) direction: cosine of the rendering's centre activation with the target \(achieved), "
            + "best position of the other photos \(photoBest)")
        XCTAssertGreaterThan(achieved, 0.7)
    }

    /// A class logit is visualised as any channel (the fully connected layer's [N, 1000] output
    /// read as [N, 1000, 1, 1]): the goldfish, volcano and bee logits rendered as one batch (96 px,
    /// 128 steps, the atlas transforms; at 64 px and 64 steps the reference still saw other
    /// classes), written as PNGs, and each ranked first for its class by the independent float64
    /// numpy reference (at its own 96 px).
    func testClassLogitVisualisationsAreFirstForTheNumpyReference() throws {
        let network = try network()
        let classes = [1, 980, 309]
        let result = try render(objective: .sum(classes.enumerated().map { .channel("classifier.1", $1, item: $0) }),
                                parameterization: ParameterizedImage(width: 96, height: 96, batch: classes.count),
                                transforms: standardTransforms(size: 96), steps: 128, model: network, seed: 2)
        let folder = try TestFiles.temporaryFolder("models")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for item in classes.indices {
            let image = try RGBImage.sheet(of: result.images.batchItems(item..<item + 1))
            XCTAssertEqual([image.width, image.height], [96, 96])
            try image.writePNG(to: folder + "/class-\(classes[item]).png")
            try Python.runReference("mobilenet_v2.py", ["--weights", network.weightsPath, "--out", folder + "/\(item)",
                                                                  "--resize", "keep", folder + "/class-\(classes[item]).png"])
            let probabilities = try NPY.read(folder + "/\(item)/probs.npy").values
            let top = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
            print("class \(classes[item]): the reference's top class \(top), p = \(probabilities[top])")
            XCTAssertEqual(top, classes[item])
        }
    }

    /// The activation vector (all channels) of batch item `item` at (y, x).
    private static func vector(_ activation: Tensor, item: Int, y: Int, x: Int) -> [Float] {
        let (channels, height, width) = (activation.shape[1], activation.shape[2], activation.shape[3])
        return (0..<channels).map { activation.values[((item * channels + $0) * height + y) * width + x] }
    }

    private static func norm(_ a: [Float]) -> Double { a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }

    private static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / (norm(a) * norm(b))
    }

    /// The largest value of channel `channel` at any position, per batch item.
    private static func channelMaximum(_ activation: Tensor, _ channel: Int) -> [Float] {
        let (channels, plane) = (activation.shape[1], activation.shape[2] * activation.shape[3])
        return (0..<activation.shape[0]).map { n in
            activation.values[(n * channels + channel) * plane..<(n * channels + channel + 1) * plane].max()!
        }
    }
}
