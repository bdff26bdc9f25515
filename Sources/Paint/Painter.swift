import Foundation
import Imaging
import Judge
import Models
import Optvis
import Palette
import Tensor

/// How to paint: the canvas's `[settings]`, overridden by the command line, else these defaults.
public struct PaintOptions: Sendable, Equatable {
    public var steps: Int
    public var seed: UInt64
    /// The image's longer side in pixels; nil: `PaintGeometry.defaultScale` times the view (the
    /// grid times the layer's stride).
    public var size: Int?
    public var objective: PaintObjective
    /// The power of the cosine in the dot-cosine objective.
    public var cosinePower: Float
    /// Whether the targets are whitened by the palette's whitening matrix (ALGORITHMS.md 3).
    public var whiten: Bool
    public var learningRate: Float
    /// The weight of each class brush's class term (its region, cut out, classified by the
    /// painting network), per layer position the brush paints; 0 turns class terms off.
    public var classWeight: Float
    /// What the class term maximises.
    public var classTerm: ClassTermKind
    /// The weight of the total-variation penalty on the image (per pixel as strong at any size):
    /// without it the optimiser paints the network's stride-2 checkerboard, a fine mesh over
    /// everything.
    public var smoothness: Float
    /// The share of the steps spent refining at the image's size after optimising at the view's
    /// (coarse to fine); 0 optimises at the image's size throughout. Only for upscaled images.
    public var refineShare: Float
    /// How the class terms join the grid objective.
    public var classBalance: ClassBalance
    /// How far each class term's crop wanders about its region at every step (`ImageRegion`'s
    /// jitter).
    public var classJitter: Double
    /// The weight of the detail term while refining: the grid objective at the image's own
    /// scale, relative to the view's.
    public var detailWeight: Float
    /// The weight of the colour term: each cell painted by a brush taken from a photo (`photo`,
    /// `stamp`) keeps the photo's mean colour there (the squared distance of the cell's mean
    /// colour, RGB in [0, 1], is a penalty); 0 turns it off. The layer's activations pin shapes and
    /// textures, not colours: without it a photo brush of blue sky paints grey-green sky.
    public var colourWeight: Float

    public static let defaultSteps = 512
    public static let defaultCosinePower: Float = 2
    public static let defaultWhiten = true
    public static let defaultClassWeight: Float = 0.0075
    public static let defaultRefineShare: Float = 0.25
    public static let defaultDetailWeight: Float = 0.25
    public static let defaultClassJitter = 0.2
    public static let defaultSmoothness: Float = 0.003
    public static let defaultColourWeight: Float = 1
    public static let defaultClassBalance = ClassBalance.sum

    public init(steps: Int = defaultSteps, seed: UInt64 = 0, size: Int? = nil, objective: PaintObjective = .cosine,
                cosinePower: Float = defaultCosinePower, whiten: Bool = defaultWhiten, learningRate: Float = 0.05,
                classWeight: Float = defaultClassWeight, classTerm: ClassTermKind = .logit,
                classBalance: ClassBalance = defaultClassBalance, classJitter: Double = defaultClassJitter, smoothness: Float = defaultSmoothness, refineShare: Float = defaultRefineShare,
                detailWeight: Float = defaultDetailWeight, colourWeight: Float = defaultColourWeight) {
        (self.steps, self.seed, self.size, self.objective, self.cosinePower) = (steps, seed, size, objective, cosinePower)
        (self.whiten, self.learningRate, self.classWeight, self.classTerm) = (whiten, learningRate, classWeight, classTerm)
        (self.classBalance, self.classJitter, self.smoothness) = (classBalance, classJitter, smoothness)
        (self.refineShare, self.detailWeight, self.colourWeight) = (refineShare, detailWeight, colourWeight)
    }

    /// The canvas's settings where given, these defaults elsewhere.
    public init(settings: CanvasSettings) {
        self.init(steps: settings.steps ?? Self.defaultSteps, seed: settings.seed ?? 0, size: settings.size,
                  objective: settings.objective ?? .cosine, cosinePower: settings.cosinePower ?? Self.defaultCosinePower,
                  whiten: settings.whiten ?? Self.defaultWhiten)
    }
}

/// How a painting's class terms join its grid objective.
public enum ClassBalance: String, Sendable, CaseIterable {
    /// Added to the grid objective: the two trade off freely. The default: over 24 classes the
    /// judge ranks the class in its top 5 for 23 (guidance: 20), at a mean cosine of 0.378
    /// (guidance: 0.428) with 98.7% of cells still closest to their own brush
    /// (docs/paint-quality.md).
    case sum
    /// As guidance: each step, the class terms' gradient loses any component against the grid's
    /// (`optimize`'s gradient surgery), so the class is sought without giving up cells: where a
    /// class brush's palette cell points away from its class, the cell wins.
    case guidance
}

/// What a class brush's class term maximises on its region.
public enum ClassTermKind: String, Sendable, CaseIterable {
    /// The class's logit (lucid's class visualisation).
    case logit
    /// The class's log-probability: its logit less the log-sum-exp of all logits.
    case logProbability = "log-probability"
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
/// The terms (docs/paint-quality.md measures each):
/// - the grid: at the view's scale (`PaintGeometry`: the image smoothly downscaled so that the
///   layer's grid is the canvas's), every painted position towards its brush;
/// - class terms: each class brush's region (its cells' bounding box), cut out and resized as a
///   classifier would see it alone, towards the brush's class (`options.classWeight`): one
///   vector repeated over a region paints a texture; the class term asks for the thing;
/// - coarse to fine: an upscaled image is first optimised at the view's size, then upsampled
///   (band-limited) and refined at full size for `options.refineShare` of the steps, with a
///   detail term: the grid at the image's own scale (`options.detailWeight`).
///
/// Why the cosine by default: with dot x cos^power the optimiser grows the activations where the
/// cosine is already high and leaves behind the positions still under lucid's floor of 0.1 (their
/// gradient is scaled by 0.1^power); on a canvas of several brushes the easy brushes win the
/// hard ones' cells (docs/canvas-format.md gives the measurements).
public func paint(_ canvas: ResolvedCanvas, whitening: Whitening, network: Network, options: PaintOptions,
                  progress: ((PaintProgress) throws -> Void)? = nil) throws -> Painting {
    let geometry: PaintGeometry
    do {
        geometry = try PaintGeometry(rows: canvas.rows, columns: canvas.columns, layer: canvas.layer, stride: canvas.stride,
                                     network: network, size: options.size)
    } catch let error as PaintError where options.size != nil && options.size == canvas.canvas.settings.size {
        // The size came from the canvas file: point at it there.
        throw canvas.canvas.error(key: "size", in: "settings", error.description)
    }
    let whitening = options.whiten ? whitening : nil
    // Each painted cell's target (whitened) and weight.
    let cellTargets = try zip(canvas.targets, canvas.brushIndexOfCell).map { target, index -> (vector: [Float], weight: Float)? in
        guard let target, let index else { return nil }
        let brush = canvas.brushes[index]
        let whitened = try whitening?.whiten(target) ?? target
        let norm = whitened.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0, norm.isFinite else { throw PaintError("brush '\(brush.character)' (\(brush.label)) has a zero vector") }
        return (whitened, brush.strength)
    }
    let view = try ImageRegion(top: 0, left: 0, height: 1, width: 1, outputHeight: geometry.viewHeight,
                               outputWidth: geometry.viewWidth)
    let classTerms = try classObjectives(canvas, geometry: geometry, network: network, options: options)
    /// One class term per step, in turn, weighted by their number: each step costs one cut-out
    /// region's pass through the network, however many class brushes the canvas has.
    func classes(_ step: Int) -> Objective {
        classTerms.isEmpty ? .zero : Float(classTerms.count) * classTerms[step % classTerms.count]
    }
    /// The grid objective on the view (`detail` false) or on the image at its own scale.
    func grid(detail: Bool, imageIsView: Bool) throws -> Objective {
        let (height, width) = detail ? (geometry.detailLayerHeight, geometry.detailLayerWidth) : (geometry.layerHeight, geometry.layerWidth)
        let source: Objective.Source = detail || imageIsView ? .layer(canvas.layer) : .layerOfRegion(canvas.layer, view)
        switch options.objective {
        case .cosine:
            return Objective(try CosineGridTerm(height: height, width: width, targets: geometry.layerGrid(cellTargets, detail: detail)),
                             on: source, name: "cosine grid")
        case .dotCosine:
            return try dotCosineGrid(canvas, positions: geometry.layerGrid(Array(canvas.canvas.cells.indices), detail: detail),
                                     height: height, width: width, source: source, power: options.cosinePower, whitening: whitening)
        }
    }

    /// The total-variation penalty, per pixel as strong at any size as on the view.
    func smoothness(_ image: ParameterizedImage) -> Objective {
        let pixels = Float(image.imageShape[2] * image.imageShape[3]), viewPixels = Float(geometry.viewHeight * geometry.viewWidth)
        return options.smoothness > 0 ? (options.smoothness * viewPixels / pixels) * Objective.totalVariation() : .zero
    }

    /// The colour term: cells painted from a photo keep its colours.
    let colours = options.colourWeight > 0 && canvas.colours.contains { $0 != nil }
        ? options.colourWeight * (try Objective.blockColours(canvas.colours, rows: canvas.rows, columns: canvas.columns)) : .zero

    let guided = options.classBalance == .guidance
    var generator = SeededGenerator(seed: options.seed, stream: 0)
    let coarseToFine = geometry.isUpscaled && options.refineShare > 0
    let refineSteps = coarseToFine ? Int((Float(options.steps) * options.refineShare).rounded()) : 0
    let coarseSteps = options.steps - refineSteps
    var image = try ParameterizedImage(width: coarseToFine ? geometry.viewWidth : geometry.imageWidth,
                                       height: coarseToFine ? geometry.viewHeight : geometry.imageHeight)
    var parameters = image.initialParameters(using: &generator)
    var objectiveValue: Float = 0
    if coarseSteps > 0 {
        let imageIsView = coarseToFine || !geometry.isUpscaled
        let objective = try grid(detail: false, imageIsView: imageIsView) - smoothness(image) - colours
        let cellPixels = imageIsView ? canvas.stride : geometry.cellPixels
        objectiveValue = try optimize(&parameters, objectiveOfStep: { guided ? objective : objective + classes($0) },
                                      guidanceOfStep: { guided ? classes($0) : .zero }, parameterization: image,
                                      transforms: paintTransforms(height: image.imageShape[2], width: image.imageShape[3],
                                                                  cellPixels: cellPixels),
                                      steps: coarseSteps, model: network, generator: &generator,
                                      learningRate: options.learningRate) { step, values, images in
            try progress?(PaintProgress(step: step, steps: options.steps, objective: values[0], images: images))
        }[0]
    }
    if coarseToFine {
        (image, parameters) = try image.upsampled(parameters, height: geometry.imageHeight, width: geometry.imageWidth)
    }
    if refineSteps > 0 {
        var objective = try grid(detail: false, imageIsView: false) - smoothness(image) - colours
        if options.detailWeight > 0 {
            // Per position, the detail grid has (image / view)^2 times as many positions.
            let positions = Float(geometry.detailLayerHeight * geometry.detailLayerWidth)
                / Float(geometry.layerHeight * geometry.layerWidth)
            objective = objective + (options.detailWeight / positions) * (try grid(detail: true, imageIsView: false))
        }
        objectiveValue = try optimize(&parameters, objectiveOfStep: { guided ? objective : objective + classes($0) },
                                      guidanceOfStep: { guided ? classes($0) : .zero }, parameterization: image,
                                      transforms: paintTransforms(height: geometry.imageHeight, width: geometry.imageWidth,
                                                                  cellPixels: geometry.cellPixels),
                                      steps: refineSteps, model: network, generator: &generator,
                                      learningRate: options.learningRate) { step, values, images in
            try progress?(PaintProgress(step: coarseSteps + step, steps: options.steps, objective: values[0], images: images))
        }[0]
    }
    return Painting(geometry: geometry, image: try RGBImage.sheet(of: image.images(from: parameters).0), objective: objectiveValue)
}

/// The icons' dot x cos^power over a layer grid of `height` x `width` positions, each naming its
/// canvas cell (`positions`), reading `source`: one `directionGrid` per brush strength.
private func dotCosineGrid(_ canvas: ResolvedCanvas, positions: [Int], height: Int, width: Int, source: Objective.Source,
                           power: Float, whitening: Whitening?) throws -> Objective {
    // directionGrid whitens and normalises the targets itself.
    try Objective.sum(Set(canvas.brushes.map(\.strength)).sorted().compactMap { strength -> Objective? in
        let cells = positions.map { cell in
            canvas.brushIndexOfCell[cell].flatMap { canvas.brushes[$0].strength == strength ? canvas.targets[cell] : nil }
        }
        guard cells.contains(where: { $0 != nil }) else { return nil }
        return strength * (try Objective.directionGrid(source, targets: cells, height: height, width: width, power: power,
                                                        whitening: whitening))
    })
}

/// Each class brush's class term (none when class terms are off): its region (the bounding box of its cells), cut out and
/// resized as `RegionJudge` shows a region to a network, towards the brush's class, weighted by
/// `options.classWeight` times the brush's strength times its painted positions on the view.
private func classObjectives(_ canvas: ResolvedCanvas, geometry: PaintGeometry, network: Network,
                             options: PaintOptions) throws -> [Objective] {
    guard options.classWeight > 0 else { return [] }
    let positionsPerCell = Float(geometry.layerHeight * geometry.layerWidth) / Float(canvas.rows * canvas.columns)
    return try canvas.brushes.indices.compactMap { index -> Objective? in
        let brush = canvas.brushes[index]
        guard let classIndex = brush.classIndex, let box = canvas.region(ofBrush: index) else { return nil }
        let (rows, columns) = (box.bottom - box.top, box.right - box.left)
        let size = RegionJudge.viewSize(height: rows * geometry.cellPixels, width: columns * geometry.cellPixels,
                                        inputSize: network.inputSize)
        let region = try ImageRegion(top: Double(box.top) / Double(canvas.rows), left: Double(box.left) / Double(canvas.columns),
                                     height: Double(rows) / Double(canvas.rows), width: Double(columns) / Double(canvas.columns),
                                     outputHeight: size.height, outputWidth: size.width, jitter: options.classJitter)
        let cells = Float(canvas.brushIndexOfCell.filter { $0 == index }.count)
        let weight = options.classWeight * brush.strength * cells * positionsPerCell
        switch options.classTerm {
        case .logit: return weight * Objective.classLogit(network.logitsName, classIndex, region: region)
        case .logProbability: return weight * Objective.classLogProbability(network.logitsName, classIndex, region: region)
        }
    }
}

/// One step of a painting, as `paint`'s progress sees it: an error the callback throws (a
/// cancellation) ends the painting.
public struct PaintProgress {
    /// 0-based, out of `steps`.
    public let step: Int
    public let steps: Int
    /// The objective at this step, before its update.
    public let objective: Float
    /// The image this step started from, [1, 3, H, W] in [0, 1]: the view while a coarse-to-fine
    /// painting is coarse, the full image after.
    public let images: Tensor

    /// The image as it stands at this step.
    public func image() throws -> RGBImage { try RGBImage.sheet(of: images) }
}
