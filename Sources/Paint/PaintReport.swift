import Foundation
import Judge
import Models

/// `atlas paint --json`: the numbers of a painting in a form scripts can check.
public struct PaintReport: Codable, Sendable {
    public struct Brush: Codable, Sendable {
        public let character: String
        public let label: String
        public let strength: Float
        /// The target activation, unwhitened.
        public let vector: [Float]
        /// The network class the brush stands for (class brushes).
        public let classIndex: Int?
        /// What the judge network sees in the brush's region (absent without a judge, or for a
        /// brush that paints no cell).
        public let judge: BrushJudge?
    }

    /// A judge's reading of one brush's region.
    public struct BrushJudge: Codable, Sendable {
        public let model: String
        /// The bounding box of the brush's cells in the image, in pixels.
        public let region: PixelRectangle
        public let top: [ClassScore]
        /// The brush's class: its rank among the judge's classes (1 = first) and probability.
        public let expected: Judgement.ExpectedClass?
    }

    public struct Cell: Codable, Sendable {
        public let row: Int
        public let column: Int
        public let brush: String
        /// The cosine between the painted image's activation and the cell's brush vector.
        public let cosine: Float
        /// Whether that cosine is higher than with every other brush of the canvas.
        public let ownBrushWins: Bool
    }

    public let canvas: String
    public let model: String
    public let layer: String
    public let imageWidth: Int
    public let imageHeight: Int
    public let steps: Int
    public let seed: UInt64
    public let objective: String
    public let cosinePower: Float
    public let whiten: Bool
    public let brushes: [Brush]
    public let cells: [Cell]
    public let meanCosine: Float
    public let ownBrushWinRate: Float
    /// The mean absolute colour difference over the cells painted from a photo (absent when none is).
    public let meanColourError: Float?
    public let top: [ClassScore]
    /// The judge's top classes for the whole image.
    public let judgeTop: [ClassScore]?
    public let classWeight: Float
    public let smoothness: Float
    public let colourWeight: Float

    public init(canvas: ResolvedCanvas, model: String, painting: Painting, evaluation: PaintEvaluation,
                judgement: PaintJudgement? = nil, options: PaintOptions) {
        self.canvas = canvas.canvas.path
        (self.model, layer) = (model, canvas.layer)
        (imageWidth, imageHeight) = (painting.geometry.imageWidth, painting.geometry.imageHeight)
        (steps, seed, objective) = (options.steps, options.seed, options.objective.rawValue)
        (cosinePower, whiten) = (options.cosinePower, options.whiten)
        brushes = canvas.brushes.enumerated().map { index, brush in
            let judged = judgement.flatMap { judgement in
                judgement.brushes.first { $0.brush == index }.map {
                    BrushJudge(model: judgement.judge, region: $0.region, top: $0.judgement.top, expected: $0.judgement.expected)
                }
            }
            return Brush(character: String(brush.character), label: brush.label, strength: brush.strength, vector: brush.vector,
                         classIndex: brush.classIndex, judge: judged)
        }
        (judgeTop, classWeight, smoothness) = (judgement?.whole.top, options.classWeight, options.smoothness)
        colourWeight = options.colourWeight
        cells = evaluation.cells.map {
            Cell(row: $0.row, column: $0.column, brush: String(canvas.brushes[$0.brush].character), cosine: $0.cosine,
                 ownBrushWins: $0.ownBrushWins)
        }
        (meanCosine, ownBrushWinRate, top) = (evaluation.meanCosine, evaluation.ownBrushWinRate, evaluation.top)
        meanColourError = evaluation.meanColourError
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
