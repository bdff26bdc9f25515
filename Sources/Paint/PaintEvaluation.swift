import Imaging
import Models
import Tensor

/// How well one painted cell reached its brush.
public struct PaintedCell: Sendable, Equatable {
    public let row: Int
    public let column: Int
    /// Index into the canvas's brushes.
    public let brush: Int
    /// The cosine between the image's activation there and the brush's vector (unwhitened;
    /// the mean over the cell's layer positions when the layer's grid is finer than the canvas).
    public let cosine: Float
    /// The cosine with every brush of the canvas, in the canvas's order.
    public let cosines: [Float]

    /// Whether the cell's own brush has the highest cosine of all the canvas's brushes.
    public var ownBrushWins: Bool {
        cosines.indices.allSatisfy { $0 == brush || cosines[$0] < cosine }
    }
}

/// A painted image judged by a forward pass of its 8-bit pixels at the canvas's scale (an
/// upscaled image is resized to the view with PIL's antialiased bilinear filter first, so the
/// layer's grid is the canvas's): every painted cell's cosine with the brushes, and the
/// network's top classes.
public struct PaintEvaluation: Sendable {
    public let cells: [PaintedCell]
    public let top: [ClassScore]

    public var meanCosine: Float { cells.reduce(0) { $0 + $1.cosine } / Float(max(cells.count, 1)) }
    /// The fraction of painted cells whose own brush has the highest cosine.
    public var ownBrushWinRate: Float { Float(cells.filter(\.ownBrushWins).count) / Float(max(cells.count, 1)) }

    public init(image: RGBImage, canvas: ResolvedCanvas, geometry: PaintGeometry, network: Network, labels: [String],
                top count: Int = 5) throws {
        guard image.width == geometry.imageWidth, image.height == geometry.imageHeight else {
            throw PaintError("a \(image.width)x\(image.height) image does not fit the \(geometry.imageWidth)x\(geometry.imageHeight) painting")
        }
        let probabilitiesName = network.graph.nodes[network.probabilities.index].name
        let view = geometry.isUpscaled ? image.resized(width: geometry.viewWidth, height: geometry.viewHeight) : image
        let outputs = try network.forward(network.input(of: view),
                                          to: [canvas.layer, probabilitiesName])
        let (activation, probabilities) = (outputs[0], outputs[1].values)
        let (channels, height, width) = (activation.shape[1], geometry.layerHeight, geometry.layerWidth)
        // Each canvas cell's cosines with every brush, averaged over its layer positions.
        var sums = [[Double]](repeating: [Double](repeating: 0, count: canvas.brushes.count), count: canvas.canvas.cells.count)
        var counts = [Int](repeating: 0, count: canvas.canvas.cells.count)
        for y in 0..<height {
            for x in 0..<width {
                let cell = geometry.canvasCell(layerY: y, layerX: x)
                guard canvas.brushIndexOfCell[cell] != nil else { continue }
                let vector = (0..<channels).map { activation.values[($0 * height + y) * width + x] }
                for (b, brush) in canvas.brushes.enumerated() { sums[cell][b] += Double(cosine(vector, brush.vector)) }
                counts[cell] += 1
            }
        }
        cells = canvas.brushIndexOfCell.enumerated().compactMap { cell, brush in
            guard let brush else { return nil }
            let cosines = sums[cell].map { Float($0 / Double(counts[cell])) }
            return PaintedCell(row: cell / canvas.columns, column: cell % canvas.columns, brush: brush, cosine: cosines[brush],
                               cosines: cosines)
        }
        top = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(count).map {
            ClassScore(index: $0, label: $0 < labels.count ? labels[$0] : "class \($0)", probability: probabilities[$0])
        }
    }
}

/// The cosine of two vectors, in Double; 0 when either is zero.
func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var (dot, aa, bb) = (0.0, 0.0, 0.0)
    for i in a.indices {
        dot += Double(a[i]) * Double(b[i])
        aa += Double(a[i]) * Double(a[i])
        bb += Double(b[i]) * Double(b[i])
    }
    return aa > 0 && bb > 0 ? Float(dot / (aa * bb).squareRoot()) : 0
}
