import ArgumentParser
import Paint

/// The painting's techniques as command-line options, shared by `atlas paint` and
/// `atlas-bench paint-quality` (docs/canvas-format.md, "How it paints", says what each does;
/// docs/paint-quality.md measures them).
public struct PaintTechniqueOptions: ParsableArguments {
    @Option(help: "The weight of each class brush's class term: its region, cut out as a classifier would see it alone, pulled towards the brush's class (0: off).")
    public var classWeight = PaintOptions.defaultClassWeight

    @Option(help: "What a class term maximises: logit or log-probability.")
    public var classTerm = ClassTermKind.logit

    @Option(help: "How class terms join the grid: sum (they trade with the grid's cosines) or guidance (their gradient loses any part that would lower the grid's cosines: higher cosines, classes less clear).")
    public var classBalance = PaintOptions.defaultClassBalance

    @Option(help: "How far a class term's cut-out wanders about its region at each step (its size within 1 +- this, its centre by up to this share of its size).")
    public var classJitter = PaintOptions.defaultClassJitter

    @Option(help: "The total-variation penalty on the image (0: off): without it the network's stride-2 checkerboard covers the painting.")
    public var smoothness = PaintOptions.defaultSmoothness

    @Option(help: "The share of the steps that refine the image at its full size after optimising it at the canvas's scale (0: full size throughout).")
    public var refineShare = PaintOptions.defaultRefineShare

    @Option(help: "The weight of the detail term while refining: the grid at the image's own scale.")
    public var detailWeight = PaintOptions.defaultDetailWeight

    @Option(help: "The weight of the colour term: cells painted by photo and stamp brushes keep the photo's mean colour there (0: off).")
    public var colourWeight = PaintOptions.defaultColourWeight

    public init() {}

    public func validate() throws {
        guard classWeight >= 0, smoothness >= 0, detailWeight >= 0, colourWeight >= 0 else {
            throw ValidationError("--class-weight, --smoothness, --detail-weight and --colour-weight must be at least 0")
        }
        guard (0..<0.5).contains(classJitter) else { throw ValidationError("--class-jitter must be at least 0 and below 0.5") }
        guard (0..<1).contains(refineShare) else { throw ValidationError("--refine-share must be at least 0 and below 1") }
    }

    /// `options` with these techniques' settings.
    public func apply(to options: inout PaintOptions) {
        (options.classWeight, options.classTerm, options.classBalance) = (classWeight, classTerm, classBalance)
        (options.classJitter, options.smoothness, options.colourWeight) = (classJitter, smoothness, colourWeight)
        (options.refineShare, options.detailWeight) = (refineShare, detailWeight)
    }

    /// One line naming every setting, for benchmark output.
    public var summary: String {
        "class weight \(classWeight) (\(classTerm.rawValue), \(classBalance.rawValue), jitter \(classJitter)), smoothness \(smoothness), "
            + "refine \(refineShare), detail \(detailWeight), colour \(colourWeight)"
    }
}

extension ClassTermKind: ExpressibleByArgument {}
extension ClassBalance: ExpressibleByArgument {}
extension PaintObjective: ExpressibleByArgument {}
