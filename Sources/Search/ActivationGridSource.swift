import Foundation
import Imaging
import Models

/// What made an index's grids: a model's checkpoint and one of its layers. An index refuses
/// queries and appends from anything else.
public struct GridOrigin: Codable, Sendable, Equatable {
    /// The model (`ModelName` raw value, "mobilenet_v2").
    public var model: String
    public var weightsSHA256: String
    public var layer: String
    public var channels: Int
    /// Input pixels per grid cell (16 for a stride-16 layer).
    public var stride: Int

    public init(model: String, weightsSHA256: String, layer: String, channels: Int, stride: Int) {
        (self.model, self.weightsSHA256, self.layer, self.channels, self.stride) = (model, weightsSHA256, layer, channels, stride)
    }

    /// Fails unless `other` is the same model, checkpoint and layer, saying which differs.
    /// `what` names the other side in the message ("the loaded network", "palette P").
    public func check(_ other: GridOrigin, what: String, index: String) throws {
        if other.model != model || other.layer != layer {
            throw SearchError("\(index) indexes layer \(layer) of \(model), but \(what) is layer \(other.layer) of \(other.model)")
        }
        if other.weightsSHA256 != weightsSHA256 {
            throw SearchError("\(index) was built with \(model) weights of sha256 \(weightsSHA256.prefix(12))…, but \(what) "
                + "comes from weights \(other.weightsSHA256.prefix(12))…")
        }
    }
}

/// Computes activation grids for square images: a network cut at a layer, or (in tests) any
/// deterministic function of the pixels.
public protocol ActivationGridSource {
    var origin: GridOrigin { get }
    /// The grids of `images`, each already `IndexView.fitted` to side x side pixels.
    func grids(of images: [RGBImage], side: Int) throws -> [ActivationGrid]
}

/// How a photo is seen at one index scale: the short side resized to `side` (Pillow-exact
/// antialiased bilinear, as torchvision), then the centred side x side square. The whole short
/// side is kept (unlike the classifier's 256 -> 224 crop); the ends of the long side are not.
public enum IndexView {
    public static func fitted(_ image: RGBImage, side: Int) -> RGBImage {
        image.resized(shortSide: side).centerCropped(width: side, height: side)
    }
}

/// A network cut at one layer. Not safe to share between threads (it holds the `Network`).
public final class NetworkGridSource: ActivationGridSource {
    public let network: Network
    public let origin: GridOrigin

    /// `weightsSHA256` is the checkpoint's hash (what `atlas` records for it, as palettes do).
    public init(network: Network, layer: String, weightsSHA256: String) throws {
        _ = try network.layer(named: layer)
        guard let info = try network.layers().first(where: { $0.name == layer }), info.height > 1 else {
            throw SearchError("layer \(layer) of \(network.name) has no spatial grid (it is pooled or fully connected); "
                + "index a convolutional layer such as features.13")
        }
        self.network = network
        origin = GridOrigin(model: network.name, weightsSHA256: weightsSHA256, layer: layer, channels: info.channels,
                            stride: info.stride)
    }

    public func grids(of images: [RGBImage], side: Int) throws -> [ActivationGrid] {
        guard !images.isEmpty else { return [] }
        let input = try network.input(for: images, names: images.indices.map { "image \($0)" }, resizing: .none, side: side)
        return try ActivationGrid.grids(fromLayerOutput: network.forward(input, to: [origin.layer])[0])
    }
}
