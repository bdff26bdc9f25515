import Imaging
import Judge

/// What a judge network (one that did not paint) sees in a painting: in each brush's region (the
/// bounding box of its cells, in the image's pixels) its top classes and, for class brushes, the
/// rank of the brush's class; and in the whole image.
public struct PaintJudgement: Sendable {
    public struct Brush: Sendable {
        /// Index into the canvas's brushes.
        public let brush: Int
        public let region: PixelRectangle
        public let judgement: Judgement
    }

    /// The judge's model name.
    public let judge: String
    /// One per brush that paints at least one cell, in the canvas's order.
    public let brushes: [Brush]
    public let whole: Judgement

    public init(image: RGBImage, canvas: ResolvedCanvas, geometry: PaintGeometry, judge: RegionJudge) throws {
        guard image.width == geometry.imageWidth, image.height == geometry.imageHeight else {
            throw PaintError("a \(image.width)x\(image.height) image does not fit the \(geometry.imageWidth)x\(geometry.imageHeight) painting")
        }
        self.judge = judge.network.name
        brushes = try canvas.brushes.indices.compactMap { index in
            guard let box = canvas.region(ofBrush: index) else { return nil }
            let cell = geometry.cellPixels
            let region = PixelRectangle(top: box.top * cell, left: box.left * cell, height: (box.bottom - box.top) * cell,
                                        width: (box.right - box.left) * cell)
            return Brush(brush: index, region: region,
                         judgement: try judge.judge(image, region: region, expectedClass: canvas.brushes[index].classIndex))
        }
        whole = try judge.judge(image, region: PixelRectangle(top: 0, left: 0, height: image.height, width: image.width))
    }

    /// The share of class brushes whose class the judge ranks in its top `k` in their region.
    public func classBrushesInTop(_ k: Int) -> (hits: Int, of: Int) {
        let judged = brushes.filter { $0.judgement.expected != nil }
        return (judged.filter { $0.judgement.expectedInTop(k) }.count, judged.count)
    }
}
