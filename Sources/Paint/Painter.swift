import Foundation
import Imaging
import Models
import Optvis
import Palette
import Tensor

/// How to paint: the canvas's `[settings]`, overridden by the command line, else these defaults.
public struct PaintOptions: Sendable, Equatable {
    public var steps: Int
    public var seed: UInt64
    /// The image's longer side in pixels; nil: the grid times the layer's stride.
    public var size: Int?
    public var objective: PaintObjective
    /// The power of the cosine in the dot-cosine objective.
    public var cosinePower: Float
    /// Whether the targets are whitened by the palette's whitening matrix (ALGORITHMS.md 3).
    public var whiten: Bool
    public var learningRate: Float

    public static let defaultSteps = 512
    public static let defaultCosinePower: Float = 2
    public static let defaultWhiten = true

    public init(steps: Int = defaultSteps, seed: UInt64 = 0, size: Int? = nil, objective: PaintObjective = .cosine,
                cosinePower: Float = defaultCosinePower, whiten: Bool = defaultWhiten, learningRate: Float = 0.05) {
        (self.steps, self.seed, self.size, self.objective, self.cosinePower) = (steps, seed, size, objective, cosinePower)
        (self.whiten, self.learningRate) = (whiten, learningRate)
    }

    /// The canvas's settings where given, these defaults elsewhere.
    public init(settings: CanvasSettings) {
        self.init(steps: settings.steps ?? Self.defaultSteps, seed: settings.seed ?? 0, size: settings.size,
                  objective: settings.objective ?? .cosine, cosinePower: settings.cosinePower ?? Self.defaultCosinePower,
                  whiten: settings.whiten ?? Self.defaultWhiten)
    }
}

/// A painted image, before it is judged.
public struct Painting: Sendable {
    public let geometry: PaintGeometry
    /// The image as written to PNG (8 bits per channel).
    public let image: RGBImage
    /// The objective at the last step.
    public let objective: Float
}

/// What a painting maximises at each painted position p, weighted by its brush's strength.
public enum PaintObjective: String, Sendable, CaseIterable {
    /// cos(a_p, t_p), the cosine between the activation and the target (`CosineGridTerm`): every
    /// position pulls equally, whatever its activation's magnitude.
    case cosine
    /// The icons' dot x cos^power (`Objective.directionGrid`, ALGORITHMS.md 6 and 9).
    case dotCosine = "dot-cosine"
}

/// Paints a canvas (ALGORITHMS.md section 9): optimises an image whose activation at the
/// palette's layer points, at every painted position, along its brush's vector (whitened by the
/// palette's matrix when `options.whiten`), with `options.objective` summed over the painted
/// positions, each weighted by its brush's strength. The image is lucid's FFT parameterization
/// with decorrelated colour and a sigmoid, optimised by Adam through `paintTransforms`.
///
/// Why the cosine by default: with dot x cos^power the optimiser grows the activations where the
/// cosine is already high and leaves behind the positions still under lucid's floor of 0.1 (their
/// gradient is scaled by 0.1^power); on a canvas of several brushes the easy brushes win the
/// hard ones' cells (docs/canvas-format.md gives the measurements).
public func paint(_ canvas: ResolvedCanvas, whitening: Whitening, network: Network, options: PaintOptions,
                  progress: ((RenderProgress) -> Void)? = nil) throws -> Painting {
    let geometry = try PaintGeometry(rows: canvas.rows, columns: canvas.columns, layer: canvas.layer, stride: canvas.stride,
                                     network: network, size: options.size)
    let whitening = options.whiten ? whitening : nil
    let targets = try canvas.brushes.map { brush -> [Float] in
        let target = try whitening?.whiten(brush.vector) ?? brush.vector
        let norm = target.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0, norm.isFinite else { throw PaintError("brush '\(brush.character)' (\(brush.label)) has a zero vector") }
        return target
    }
    let brushOfPosition = geometry.layerGrid(canvas.brushIndexOfCell)
    let objective: Objective
    switch options.objective {
    case .cosine:
        let weighted = brushOfPosition.map { index in index.map { (vector: targets[$0], weight: canvas.brushes[$0].strength) } }
        objective = Objective(try CosineGridTerm(height: geometry.layerHeight, width: geometry.layerWidth, targets: weighted),
                              on: .layer(canvas.layer), name: "cosine grid")
    case .dotCosine:
        // directionGrid whitens and normalises the targets itself.
        objective = try Objective.sum(Set(canvas.brushes.map(\.strength)).sorted().compactMap { strength -> Objective? in
            let cells = brushOfPosition.map { index in
                index.flatMap { canvas.brushes[$0].strength == strength ? canvas.brushes[$0].vector : nil }
            }
            guard cells.contains(where: { $0 != nil }) else { return nil }
            return strength * (try Objective.directionGrid(canvas.layer, targets: cells, height: geometry.layerHeight,
                                                            width: geometry.layerWidth, power: options.cosinePower,
                                                            whitening: whitening))
        })
    }
    let result = try render(objective: objective,
                            parameterization: ParameterizedImage(width: geometry.imageWidth, height: geometry.imageHeight),
                            transforms: paintTransforms(height: geometry.imageHeight, width: geometry.imageWidth,
                                                        cellPixels: geometry.cellPixels),
                            steps: options.steps, model: network, seed: options.seed, learningRate: options.learningRate,
                            progress: progress)
    return Painting(geometry: geometry, image: try RGBImage.sheet(of: result.images), objective: result.objective[0])
}
