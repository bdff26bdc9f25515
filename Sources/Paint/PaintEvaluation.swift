import Imaging
import Models
import Tensor

/// How well one painted cell reached its brush.
public struct PaintedCell: Sendable, Equatable {
    public let row: Int
    public let column: Int
    /// Index into the canvas's brushes.
    public let brush: Int
    /// The cosine between the image's activation there and the cell's target (unwhitened: its
    /// brush's vector, or a stamp's vector at the cell's offset; the mean over the cell's layer
    /// positions when the layer's grid is finer than the canvas).
    public let cosine: Float
    /// The cosine with every brush of the canvas, in the canvas's order (the cell's own target
    /// for its own brush; a stamp's mean vector for another stamp).
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
    /// Over the cells painted from a photo (`ResolvedCanvas.colours`), the mean absolute
    /// difference between the image's mean colour there and the photo's (RGB in [0, 1], averaged
    /// over the channels); nil when no cell has a colour.
    public let meanColourError: Float?

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
                guard let own = canvas.brushIndexOfCell[cell], let target = canvas.targets[cell] else { continue }
                let vector = (0..<channels).map { activation.values[($0 * height + y) * width + x] }
                for (b, brush) in canvas.brushes.enumerated() {
                    sums[cell][b] += Double(cosine(vector, b == own ? target : brush.vector))
                }
                counts[cell] += 1
            }
        }
        cells = canvas.brushIndexOfCell.enumerated().compactMap { cell, brush in
            guard let brush else { return nil }
            let cosines = sums[cell].map { Float($0 / Double(counts[cell])) }
            return PaintedCell(row: cell / canvas.columns, column: cell % canvas.columns, brush: brush, cosine: cosines[brush],
                               cosines: cosines)
        }
        meanColourError = Self.meanColourError(image, colours: canvas.colours, rows: canvas.rows, columns: canvas.columns)
        top = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(count).map {
            ClassScore(index: $0, label: $0 < labels.count ? labels[$0] : "class \($0)", probability: probabilities[$0])
        }
    }
}

extension PaintEvaluation {
    /// The mean absolute colour difference over the cells that have a colour target.
    static func meanColourError(_ image: RGBImage, colours: [[Float]?], rows: Int, columns: Int) -> Float? {
        var total = 0.0, counted = 0
        for (cell, colour) in colours.enumerated() {
            guard let colour else { continue }
            let (r, c) = (cell / columns, cell % columns)
            let (top, bottom) = (r * image.height / rows, (r + 1) * image.height / rows)
            let (left, right) = (c * image.width / columns, (c + 1) * image.width / columns)
            var sums = [Double](repeating: 0, count: 3)
            for y in top..<bottom {
                for x in left..<right {
                    for channel in 0..<3 { sums[channel] += Double(image.pixels[(y * image.width + x) * 3 + channel]) / 255 }
                }
            }
            let count = Double((bottom - top) * (right - left))
            total += (0..<3).reduce(0.0) { $0 + abs(sums[$1] / count - Double(colour[$1])) } / 3
            counted += 1
        }
        return counted > 0 ? Float(total / Double(counted)) : nil
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
