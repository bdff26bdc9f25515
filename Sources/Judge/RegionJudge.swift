import Imaging
import Models

/// A rectangle of an image in pixels.
public struct PixelRectangle: Sendable, Equatable, Codable {
    public let top: Int
    public let left: Int
    public let height: Int
    public let width: Int

    public init(top: Int, left: Int, height: Int, width: Int) {
        (self.top, self.left, self.height, self.width) = (top, left, height, width)
    }
}

/// What a judge network sees in one region of an image.
public struct Judgement: Sendable, Equatable, Codable {
    /// The judge's top classes for the region, most probable first.
    public let top: [ClassScore]
    /// The class the region was meant to show, with its rank among all the judge's classes
    /// (1 = the judge's first choice) and probability; nil when none was meant.
    public let expected: ExpectedClass?

    public struct ExpectedClass: Sendable, Equatable, Codable {
        public let index: Int
        public let label: String
        public let rank: Int
        public let probability: Float
    }

    /// Whether the meant class is among the judge's first `k`.
    public func expectedInTop(_ k: Int) -> Bool { expected.map { $0.rank <= k } ?? false }
}

/// A second network that reads regions of a painting as a judge: each region is cut out, resized
/// so that its longer side is the judge's input size (`RegionJudge.viewSize`, with PIL's
/// antialiased bilinear filter) and classified. A painting says what its canvas asked for when a
/// network that did not paint it sees the brush's class in the brush's region.
public final class RegionJudge {
    public let network: Network
    public let labels: [String]

    public init(network: Network, labels: [String]) {
        (self.network, self.labels) = (network, labels)
    }

    /// The judge `model` with its installed, verified weights; the error says how to install them.
    public static func load(_ model: ModelName) throws -> RegionJudge {
        let path: String
        do {
            path = try model.weightsFile.defaultPath()
        } catch {
            throw ModelError("the judge \(model.rawValue) is not installed: \(error) (or turn the judge off with --judge none)")
        }
        return RegionJudge(network: try model.load(weightsAt: path), labels: try model.labels())
    }

    /// The judge a painting gets by default: EfficientNet-Lite0 when its weights are installed
    /// (scripts/setup installs them), else none; MobileNetV2 when the painter is EfficientNet-Lite0
    /// (a judge must not have painted).
    public static func installedDefault(painter: String) throws -> RegionJudge? {
        let model: ModelName = painter == ModelName.efficientNetLite0.rawValue ? .mobileNetV2 : .efficientNetLite0
        return (try? model.weightsFile.defaultPath()) == nil ? nil : try load(model)
    }

    /// The size (height, width) a region of `height` x `width` pixels is shown to a network of
    /// `inputSize`: the longer side `inputSize`, the shorter in proportion, rounded to a multiple
    /// of 32 (the networks' total stride; EfficientNet's padding is exact there), at least 32.
    public static func viewSize(height: Int, width: Int, inputSize: Int) -> (height: Int, width: Int) {
        let longer = max(height, width)
        func side(_ length: Int) -> Int {
            length == longer ? inputSize : max(32, Int((Double(length * inputSize) / Double(longer) / 32).rounded()) * 32)
        }
        return (side(height), side(width))
    }

    /// What the judge sees in `region` of `image`, with the rank of `expectedClass` when given.
    public func judge(_ image: RGBImage, region: PixelRectangle, expectedClass: Int? = nil, top count: Int = 5) throws -> Judgement {
        guard region.top >= 0, region.left >= 0, region.height > 0, region.width > 0,
              region.top + region.height <= image.height, region.left + region.width <= image.width else {
            throw ModelError("judge: the region \(region) is not inside the \(image.width)x\(image.height) image")
        }
        let crop = image.cropped(x: region.left, y: region.top, width: region.width, height: region.height)
        let size = Self.viewSize(height: region.height, width: region.width, inputSize: network.inputSize)
        let view = crop.width == size.width && crop.height == size.height ? crop : crop.resized(width: size.width, height: size.height)
        let probabilities = try network.probabilities(of: network.input(of: view)).values
        let order = probabilities.indices.sorted { (probabilities[$0], $1) > (probabilities[$1], $0) }
        func label(_ index: Int) -> String { index < labels.count ? labels[index] : "class \(index)" }
        let expected = try expectedClass.map { index -> Judgement.ExpectedClass in
            guard let rank = order.firstIndex(of: index) else {
                throw ModelError("judge: class \(index) is not among the \(probabilities.count) classes of \(network.name)")
            }
            return .init(index: index, label: label(index), rank: rank + 1, probability: probabilities[index])
        }
        return Judgement(top: order.prefix(count).map { ClassScore(index: $0, label: label($0), probability: probabilities[$0]) },
                         expected: expected)
    }
}
