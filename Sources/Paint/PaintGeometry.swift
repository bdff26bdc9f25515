import Models

/// Where a canvas lands in pixels and on the layer's grid. A cell is `stride` pixels by default
/// (a 14x14 canvas at a stride-16 layer is 224 px). A larger size makes the layer's own grid
/// larger than the canvas: the target grid is then upsampled (nearest neighbour), each canvas cell
/// covering a block of layer positions, so a bigger picture paints the same composition at a finer
/// grain. A size that would make the layer's grid smaller than the canvas is an error: cells would
/// be lost.
public struct PaintGeometry: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Pixels per canvas cell.
    public let cellPixels: Int
    public let imageHeight: Int
    public let imageWidth: Int
    /// The layer's grid for that image.
    public let layerHeight: Int
    public let layerWidth: Int

    /// The geometry of a rows x columns canvas at `layer` (of `stride` pixels) of `network`,
    /// with the image's longer side `size` pixels (default: the grid times the stride).
    public init(rows: Int, columns: Int, layer: String, stride: Int, network: Network, size: Int? = nil) throws {
        let cellPixels = size.map { $0 / max(rows, columns) } ?? stride
        guard cellPixels >= stride else {
            throw PaintError("a size of \(size!) px gives \(cellPixels)-px cells for a \(rows)x\(columns) canvas, smaller than "
                + "the \(stride)-px stride of \(layer): use at least \(stride * max(rows, columns)) px")
        }
        (self.rows, self.columns, self.cellPixels) = (rows, columns, cellPixels)
        (imageHeight, imageWidth) = (rows * cellPixels, columns * cellPixels)
        let shape = try network.graph.shapes(input: [1, 3, imageHeight, imageWidth])[network.layer(named: layer).index]
        guard shape.count == 4, shape[2] >= rows, shape[3] >= columns else {
            throw PaintError("layer \(layer) has shape \(shape) for a \(imageWidth)x\(imageHeight) image: it needs a spatial grid "
                + "of at least the canvas's \(rows)x\(columns)")
        }
        (layerHeight, layerWidth) = (shape[2], shape[3])
    }

    /// The canvas cell (row-major index) that layer position (y, x) paints.
    public func canvasCell(layerY y: Int, layerX x: Int) -> Int {
        (y * rows / layerHeight) * columns + x * columns / layerWidth
    }

    /// The canvas's per-cell values spread over the layer's grid, row by row.
    public func layerGrid<T>(_ cells: [T]) -> [T] {
        (0..<layerHeight).flatMap { y in (0..<layerWidth).map { x in cells[canvasCell(layerY: y, layerX: x)] } }
    }
}

/// A painting that cannot be made.
public struct PaintError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
