import Foundation
import Imaging
import Models
import Optvis
import Palette
import Tensor

/// Where a patch goes on a photo.
public enum PatchCorner: String, Sendable, CaseIterable, Codable {
    case topLeft = "tl", topRight = "tr", bottomLeft = "bl", bottomRight = "br"
}

/// The outcome of pasting one patch on every eligible photo.
public struct PatchOutcome: Sendable, Codable, Equatable {
    /// Photos the patch was pasted on.
    public let images: Int
    /// The share of them whose top-1 class became the target, with the patch and with the noise
    /// patch of the same size and place.
    public let flipRate: Double
    public let noiseFlipRate: Double
    /// The patch's side as a share of the photo's (the network input's) side.
    public let size: Double
    public let corner: PatchCorner

    enum CodingKeys: String, CodingKey {
        case images, flipRate = "flip_rate", noiseFlipRate = "noise_flip_rate", size, corner
    }
}

/// The article's adversarial patches (ALGORITHMS.md 8): an atlas icon, pasted on photos, turns
/// the network's answer to the icon's class more often than noise does. The photos are
/// prepared as the network's input (224 px); those whose top-1 is already the target (or, with a
/// source class, is not the source) are left out. Each test pastes the patch at a corner and
/// counts how often the top-1 becomes the target; the control is a patch of uniform random
/// noise of the same size at the same place.
public struct PatchTest {
    public let network: Network
    public let target: Int
    public let source: Int?
    /// The eligible photos as the network sees them, and their paths.
    public let photos: [RGBImage]
    public let paths: [String]

    /// Prepares the photos: decodes (a photo that fails is handed to `skipped` with the error and
    /// left out), classifies, keeps the eligible ones.
    public init(photos paths: [String], network: Network, target: Int, source: Int? = nil, batch: Int = 16,
                skipped: ((String, Error) -> Void)? = nil) throws {
        (self.network, self.target, self.source) = (network, target, source)
        var prepared: [(String, RGBImage)] = []
        for path in paths {
            do {
                let input = try network.input(for: [try decodeImage(at: path)], names: [path], resizing: .torchvision)
                prepared.append((path, network.normalization.image(ofInput: input)))
            } catch {
                skipped?(path, error)
            }
        }
        let tops = try Self.topClasses(prepared.map(\.1), network: network, batch: batch)
        let eligible = prepared.indices.filter { index in
            if let source { return tops[index] == source }
            return tops[index] != target
        }
        (self.photos, self.paths) = (eligible.map { prepared[$0].1 }, eligible.map { prepared[$0].0 })
    }

    /// Pastes `patch` (resized to `size` of the photo's side) at `corner` on every eligible
    /// photo, and the noise patch likewise.
    public func run(patch: RGBImage, size: Double, corner: PatchCorner, seed: UInt64 = 0, batch: Int = 16) throws -> PatchOutcome {
        guard size > 0, size < 1 else { throw AnalysisError("the patch size is a share of the photo's side, in (0, 1); got \(size)") }
        guard !photos.isEmpty else { throw AnalysisError("no photo to patch: every photo's top-1 is already the target" + (source == nil ? "" : ", or not the source class")) }
        let side = max(1, Int((size * Double(network.inputSize)).rounded()))
        let resized = patch.resized(width: side, height: side)
        var generator = SeededGenerator(seed: seed, stream: 7)
        let noise = RGBImage(width: side, height: side, pixels: (0..<side * side * 3).map { _ in UInt8(generator.index(below: 256)) })
        func flips(_ patch: RGBImage) throws -> Int {
            let patched = photos.map { Self.paste(patch, on: $0, corner: corner) }
            return try Self.topClasses(patched, network: network, batch: batch).filter { $0 == target }.count
        }
        let (hits, noiseHits) = (try flips(resized), try flips(noise))
        return PatchOutcome(images: photos.count, flipRate: Double(hits) / Double(photos.count),
                            noiseFlipRate: Double(noiseHits) / Double(photos.count), size: size, corner: corner)
    }

    /// The palette cell whose icon makes the patch by default: the largest mean attribution to
    /// the target, less the source's when there is one.
    public static func bestCell(palette: Palette, target: Int, source: Int?) throws -> Int {
        let towards = try palette.attributions(toClass: target)
        let away = try source.map { try palette.attributions(toClass: $0) }
        let scores = towards.indices.map { towards[$0] - (away?[$0] ?? 0) }
        guard let best = scores.indices.max(by: { scores[$0] < scores[$1] }), scores[best] > 0 else {
            throw AnalysisError("no cell of \(palette.folder) is attributed to class \(target) more than to the source: "
                + "pick one with --cell")
        }
        return best
    }

    /// A palette cell's vector rendered as a patch of `side` pixels: the atlas icons' objective
    /// (whitened dot x cos^power), at every position of the layer's grid rather than at its centre
    /// only, so the whole patch carries the cell (an icon's objective at the centre alone leaves
    /// the rest of a patch as noise: measured, 0 of 260 demo photos turned to goldfish at 0.3).
    public static func patch(ofCell cell: Int, palette: Palette, network: Network, side: Int, steps: Int = 256,
                             seed: UInt64 = 0) throws -> RGBImage {
        let objective = try Objective.directionCosine(palette.description.layer, palette.vector(ofCell: cell), at: nil,
                                                      power: palette.description.parameters.cossimPower,
                                                      whitening: palette.whitening)
        let result = try render(objective: objective, parameterization: ParameterizedImage(width: side, height: side),
                                transforms: standardTransforms(size: side), steps: steps, model: network, seed: seed)
        return try RGBImage.sheet(of: result.images, columns: 1, gap: 0)
    }

    static func paste(_ patch: RGBImage, on photo: RGBImage, corner: PatchCorner) -> RGBImage {
        let left = corner == .topLeft || corner == .bottomLeft ? 0 : photo.width - patch.width
        let top = corner == .topLeft || corner == .topRight ? 0 : photo.height - patch.height
        var pixels = photo.pixels
        for y in 0..<patch.height {
            for x in 0..<patch.width {
                for c in 0..<3 { pixels[((top + y) * photo.width + left + x) * 3 + c] = patch.pixels[(y * patch.width + x) * 3 + c] }
            }
        }
        return RGBImage(width: photo.width, height: photo.height, pixels: pixels)
    }

    /// The top-1 class of each image (each already the network's input size).
    static func topClasses(_ images: [RGBImage], network: Network, batch: Int) throws -> [Int] {
        var tops: [Int] = []
        for start in stride(from: 0, to: images.count, by: batch) {
            let chunk = Array(images[start..<min(start + batch, images.count)])
            let probabilities = try network.probabilities(of: network.input(for: chunk, names: chunk.indices.map { "patched \($0)" },
                                                                           resizing: .none))
            let classes = probabilities.shape[1]
            for item in chunk.indices {
                let row = probabilities.values[item * classes..<(item + 1) * classes]
                tops.append(row.indices.max { row[$0] < row[$1] }! - item * classes)
            }
        }
        return tops
    }
}
