import Models

/// Where a canvas lands in pixels and on the layer's grid. The network reads a painting at the
/// canvas's own scale, the *view*: one cell is `stride` pixels (a 14x14 canvas at a stride-16 layer
/// is a 224-px view, the layer's 14x14 grid). The image itself is larger by default
/// (`defaultScale` times the view, 448 px for 14x14) and is shown to the network smoothly
/// downscaled to the view, so the layer's grid stays the canvas's grid at every size; a detail term
/// at the image's own scale reads its finer layer grid (`detailLayerHeight` x `detailLayerWidth`),
/// where each canvas cell covers a block of positions.
public struct PaintGeometry: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Pixels per canvas cell in the image.
    public let cellPixels: Int
    public let imageHeight: Int
    public let imageWidth: Int
    /// The image at the canvas's scale: `stride` pixels per cell.
    public let viewHeight: Int
    public let viewWidth: Int
    /// The layer's grid for the view.
    public let layerHeight: Int
    public let layerWidth: Int
    /// The layer's grid for the image at its own size (the view's when the image is the view).
    public let detailLayerHeight: Int
    public let detailLayerWidth: Int

    /// The default image size is this many times the view (cells of twice the layer's stride).
    public static let defaultScale = 2
    /// The largest longer side `size` may ask for: the optimised parameters, the transforms and
    /// the detail term's activations grow with its square (1024 px is about 12 MB of image and
    /// 100 MB of activations at features.13).
    public static let maximumSize = 1024

    /// The geometry of a rows x columns canvas at `layer` (of `stride` pixels) of `network`,
    /// with the image's longer side `size` pixels (default: `defaultScale` times the view, capped
    /// at `maximumSize`).
    public init(rows: Int, columns: Int, layer: String, stride: Int, network: Network, size: Int? = nil) throws {
        let longer = max(rows, columns)
        if let size {
            guard size <= Self.maximumSize else {
                throw PaintError("a size of \(size) px is above the limit of \(Self.maximumSize) px for the image's longer side")
            }
        }
        let cellPixels = size.map { $0 / longer } ?? max(stride, min(Self.defaultScale * stride, Self.maximumSize / longer))
        guard cellPixels >= stride else {
            throw PaintError("a size of \(size!) px gives \(cellPixels)-px cells for a \(rows)x\(columns) canvas, smaller than "
                + "the \(stride)-px stride of \(layer): use at least \(stride * longer) px")
        }
        if let size, size % longer != 0 {
            throw PaintError("a size of \(size) px does not divide into the canvas's \(longer) cells: use a multiple of \(longer) "
                + "(for example \(cellPixels * longer) or \((cellPixels + 1) * longer) px)")
        }
        guard cellPixels * longer <= Self.maximumSize else {
            throw PaintError("a \(rows)x\(columns) canvas at \(layer) (a \(stride)-px stride) paints at least \(stride * longer) px, above "
                + "the limit of \(Self.maximumSize) px for the image's longer side: use at most \(Self.maximumSize / stride) cells per side")
        }
        (self.rows, self.columns, self.cellPixels) = (rows, columns, cellPixels)
        (imageHeight, imageWidth) = (rows * cellPixels, columns * cellPixels)
        (viewHeight, viewWidth) = (rows * stride, columns * stride)
        let index = try network.layer(named: layer).index
        let view = try network.graph.shapes(input: [1, 3, viewHeight, viewWidth])[index]
        guard view.count == 4, view[2] >= rows, view[3] >= columns else {
            throw PaintError("layer \(layer) has shape \(view) for a \(viewWidth)x\(viewHeight) image: it needs a spatial grid "
                + "of at least the canvas's \(rows)x\(columns)")
        }
        (layerHeight, layerWidth) = (view[2], view[3])
        let detail = try network.graph.shapes(input: [1, 3, imageHeight, imageWidth])[index]
        (detailLayerHeight, detailLayerWidth) = (detail[2], detail[3])
    }

    /// Whether the image is larger than the view.
    public var isUpscaled: Bool { imageHeight != viewHeight || imageWidth != viewWidth }

    /// The canvas cell (row-major index) that position (y, x) of a layer grid of `height` x
    /// `width` paints (by default the view's grid).
    public func canvasCell(layerY y: Int, layerX x: Int, height: Int? = nil, width: Int? = nil) -> Int {
        (y * rows / (height ?? layerHeight)) * columns + x * columns / (width ?? layerWidth)
    }

    /// The canvas's per-cell values spread over the view's layer grid (or, with `detail`, the
    /// image's), row by row.
    public func layerGrid<T>(_ cells: [T], detail: Bool = false) -> [T] {
        let (height, width) = detail ? (detailLayerHeight, detailLayerWidth) : (layerHeight, layerWidth)
        return (0..<height).flatMap { y in
            (0..<width).map { x in cells[canvasCell(layerY: y, layerX: x, height: height, width: width)] }
        }
    }
}

/// A painting that cannot be made.
public struct PaintError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
