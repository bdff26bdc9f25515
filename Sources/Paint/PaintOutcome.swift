import Foundation
import Judge
import Models
import Optvis
import Palette
import Render

/// A canvas painted, with everything `atlas paint` (and the studio) makes of it: the image, the
/// painter's own reading of it, the judge's, the sheet and the JSON report.
public struct PaintOutcome {
    public let painting: Painting
    public let evaluation: PaintEvaluation
    public let judgement: PaintJudgement?
    /// The sheet: the image with the grid and characters, the legend with the judge's readings,
    /// the heat map of each cell's cosine with its brush and the top classes.
    public let sheet: Drawing
    /// What `--json` writes.
    public let report: PaintReport
    /// The optimisation's wall time.
    public let seconds: Double
    public let steps: Int

    /// Paints `resolved` (its canvas's palette is `palette`) with `network`, then reads the image
    /// back through the painter and through `judge`, a network that did not paint. `title`
    /// heads the sheet.
    public init(painting resolved: ResolvedCanvas, palette: Palette, network: Network, judge: RegionJudge?, options: PaintOptions,
                title: String, progress: ((PaintProgress) throws -> Void)? = nil) throws {
        let start = Date()
        let painting = try paint(resolved, whitening: palette.whitening, network: network, options: options, progress: progress)
        seconds = Date().timeIntervalSince(start)
        steps = options.steps
        let evaluation = try PaintEvaluation(image: painting.image, canvas: resolved, geometry: painting.geometry, network: network,
                                             labels: ImageNetLabels.load())
        let judgement = try judge.map { try PaintJudgement(image: painting.image, canvas: resolved, geometry: painting.geometry, judge: $0) }
        (self.painting, self.evaluation, self.judgement) = (painting, evaluation, judgement)
        sheet = try PaintSheet.draw(canvas: resolved, painting: painting, evaluation: evaluation, judgement: judgement,
                                    options: options, title: title)
        report = PaintReport(canvas: resolved, model: network.name, painting: painting, evaluation: evaluation,
                             judgement: judgement, options: options)
    }

    /// One line on how it went: size, speed, the painter's cosines, what the painter and the
    /// judge see.
    public var summary: String {
        let geometry = painting.geometry
        let top = evaluation.top.first.map { "; the network sees \($0.label) " + String(format: "(%.1f%%)", 100 * $0.probability) } ?? ""
        let judged = judgement.map { judgement -> String in
            let (hits, count) = judgement.classBrushesInTop(5)
            let whole = judgement.whole.top[0]
            return "; the judge \(judgement.judge) sees \(whole.label) " + String(format: "(%.1f%%)", 100 * whole.probability)
                + (count > 0 ? " and ranks \(hits) of \(count) class brushes' classes in its top 5 in their regions" : "")
        } ?? ""
        return "\(geometry.imageWidth)x\(geometry.imageHeight) px, "
            + String(format: "%d steps in %.1f s, %.1f steps/s): mean cosine %.3f, %.0f%% of cells closest to their own brush",
                     steps, seconds, Double(steps) / seconds, evaluation.meanCosine, 100 * evaluation.ownBrushWinRate)
            + (evaluation.meanColourError.map { String(format: ", photo cells' colour off by %.3f", $0) } ?? "")
            + top + judged
    }
}
