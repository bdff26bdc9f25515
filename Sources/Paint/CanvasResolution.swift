import Foundation
import Imaging
import Models
import Palette
import Tensor

extension Canvas {
    /// The canvas's palette; a missing or broken one is an error at the `palette` line.
    public func loadPalette() throws -> Palette {
        do {
            return try Palette.load(palettePath)
        } catch {
            throw self.error(key: "palette", "\(error)")
        }
    }

    /// Turns each brush into a vector of the palette's layer. `network` is needed for photo
    /// brushes (their activation is computed) and, when given, must be the palette's model.
    public func resolve(palette: Palette, network: Network?) throws -> ResolvedCanvas {
        let description = palette.description
        if let network {
            do {
                try palette.check(model: network.name)
                let layer = try network.layer(named: description.layer)
                let shape = try network.graph.shapes(input: [1, 3, 224, 224])[layer.index]
                guard shape.count >= 2, shape[1] == description.channels else {
                    throw PaletteError("\(palette.folder): palette.json says \(description.channels) channels at \(description.layer), "
                        + "whose activations have \(shape.count >= 2 ? shape[1] : 0) in \(network.name)")
                }
            } catch {
                throw self.error(key: "palette", "\(error)")
            }
        }
        guard max(rows, columns) * description.stride <= PaintGeometry.maximumSize else {
            throw self.error(key: "grid", "a \(rows)x\(columns) grid at \(description.layer) (a \(description.stride)-px stride) paints at "
                + "least \(max(rows, columns) * description.stride) px, above the limit of \(PaintGeometry.maximumSize) px: use at most "
                + "\(PaintGeometry.maximumSize / description.stride) cells per side")
        }
        var resolver = BrushResolver(canvas: self, palette: palette, network: network)
        let brushes = try self.brushes.map { try resolver.resolve($0) }
        return ResolvedCanvas(canvas: self, layer: description.layer, stride: description.stride, brushes: brushes)
    }
}

/// Resolves brush sources against a palette, caching the photos' activations.
private struct BrushResolver {
    let canvas: Canvas
    let palette: Palette
    let network: Network?
    /// Photo path -> its network input [1, 3, S, S] and the layer's activation [1, C, H, W].
    var photos: [String: (input: Tensor, activation: Tensor)] = [:]
    lazy var imageNetLabels = try? ImageNetLabels.load()

    /// A source's vector, label, palette cells, icon, class, stamp block and photo colour.
    private typealias Part = (vector: [Float], label: String, cells: [Int], icon: RGBImage?, classIndex: Int?, stamp: StampBlock?,
                              colour: [Float]?)

    init(canvas: Canvas, palette: Palette, network: Network?) {
        (self.canvas, self.palette, self.network) = (canvas, palette, network)
    }

    mutating func resolve(_ brush: BrushDefinition) throws -> ResolvedBrush {
        let part = try resolve(brush.source, of: brush)
        return ResolvedBrush(character: brush.character, label: part.label, vector: part.vector, strength: brush.strength,
                             paletteCells: part.cells, icon: part.icon, classIndex: part.classIndex, stamp: part.stamp,
                             colour: part.colour)
    }

    private mutating func resolve(_ source: BrushSource, of brush: BrushDefinition) throws -> Part {
        switch source {
        case .cell(let column, let row):
            let index = try cell(column: column, row: row, of: brush)
            let label = palette.description.cells[index].label
            return (palette.vector(ofCell: index), label.isEmpty ? "cell \(column),\(row)" : ClassLookup.shortName(label), [index],
                    icon(ofCell: index), nil, nil, nil)
        case .label(let name):
            let (index, classIndex) = try cell(forClass: name, of: brush)
            return (palette.vector(ofCell: index), name, [index], icon(ofCell: index), classIndex, nil, nil)
        case .photo(let path, let row, let column):
            return try photoVector(path: path, row: row, column: column, of: brush)
        case .stamp(let path, let region):
            return try stamp(path: path, region: region, of: brush)
        case .mix(let parts):
            let resolved = try parts.map { try resolve($0.source, of: brush) }
            let total = parts.reduce(0) { $0 + $1.weight }
            var vector = [Float](repeating: 0, count: palette.description.channels)
            for (part, weighted) in zip(resolved, parts) {
                for c in vector.indices { vector[c] += weighted.weight / total * part.vector[c] }
            }
            let label = zip(resolved, parts).map { part, weighted in
                weighted.weight == 1 ? part.label : "\(String(format: "%g", weighted.weight)) \(part.label)"
            }.joined(separator: " + ")
            let heaviest = parts.indices.max { parts[$0].weight < parts[$1].weight }!
            return (vector, label, resolved.flatMap(\.cells), resolved[heaviest].icon, nil, nil, nil)
        }
    }

    private func cell(column: Int, row: Int, of brush: BrushDefinition) throws -> Int {
        if let index = palette.cell(column: column, row: row) { return index }
        let grid = palette.description.grid
        guard (0..<grid).contains(column), (0..<grid).contains(row) else {
            throw canvas.error(brush: brush, at: "cell", "no cell [\(column), \(row)]: the palette's atlas is \(grid)x\(grid), "
                + "columns and rows 0 to \(grid - 1)")
        }
        let nearest = palette.description.cells.enumerated()
            .sorted { a, b in
                let da = (a.element.column - column) * (a.element.column - column) + (a.element.row - row) * (a.element.row - row)
                let db = (b.element.column - column) * (b.element.column - column) + (b.element.row - row) * (b.element.row - row)
                return (da, a.offset) < (db, b.offset)
            }
            .prefix(3).map { "[\($0.element.column), \($0.element.row)] \(ClassLookup.shortName($0.element.label))" }
        throw canvas.error(brush: brush, at: "cell", "cell [\(column), \(row)] was dropped: it held fewer than "
            + "\(palette.description.parameters.minDensity) samples (the palette's density threshold); nearby cells: "
            + nearest.joined(separator: ", "))
    }

    /// The cell with the largest attribution to the class `name`, and the class's index.
    private mutating func cell(forClass name: String, of brush: BrushDefinition) throws -> (cell: Int, classIndex: Int) {
        if let found = found(name) { return found }
        // The ImageNet label the name stands for ("goldfish" -> "goldfish, Carassius auratus").
        if let labels = imageNetLabels {
            let label: String
            do {
                label = labels[try ClassLookup.resolve(name, labels: labels)]
            } catch {
                throw canvas.error(brush: brush, at: name, "\(error)")
            }
            if let found = found(label) ?? found(ClassLookup.shortName(label)) { return found }
        }
        let known = palette.classLabels
        let short = known.map { ClassLookup.shortName($0) }
        let containing = short.filter { $0.lowercased().contains(name.lowercased()) || name.lowercased().contains($0.lowercased()) }
        var suggestions: [String] = []
        for candidate in closeNames(to: name.lowercased(), among: short.map { $0.lowercased() }) + containing
        where !suggestions.contains(where: { $0.lowercased() == candidate.lowercased() }) {
            suggestions.append(short.first { $0.lowercased() == candidate.lowercased() } ?? candidate)
        }
        throw canvas.error(brush: brush, at: name, "no cell of the palette is labelled '\(name)'"
            + (suggestions.isEmpty ? "" : "; did you mean " + suggestions.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + "?")
            + " (`atlas canvas new --palette ...` lists the palette's brushes)")
    }

    /// The palette cell with the largest attribution to the class labelled `label`, with the
    /// class's index (from the cell's attributions).
    private func found(_ label: String) -> (cell: Int, classIndex: Int)? {
        palette.cell(forClass: label).flatMap { cell in
            palette.description.cells[cell].classes.first { $0.label.lowercased() == label.lowercased() }.map { (cell, $0.index) }
        }
    }

    private func icon(ofCell index: Int) -> RGBImage? {
        let icon = palette.description.cells[index].icon
        return icon.isEmpty ? nil : try? decodeImage(at: palette.path(icon))
    }

    /// The photo's network input [1, 3, S, S] and the layer's activation [1, C, H, W], computed
    /// once per photo.
    private mutating func photoActivation(path: String, of brush: BrushDefinition,
                                          at key: String) throws -> (input: Tensor, activation: Tensor, network: Network) {
        guard let network else {
            throw canvas.error(brush: brush, at: key, "a \(key) brush needs the network (to compute the photo's activation)")
        }
        if let cached = photos[path] { return (cached.input, cached.activation, network) }
        do {
            let input = try network.input(for: [try decodeImage(at: path)], names: [path], resizing: .torchvision)
            photos[path] = (input, try network.forward(input, to: [palette.description.layer])[0])
        } catch {
            throw canvas.error(brush: brush, at: key, "\(error)")
        }
        return (photos[path]!.input, photos[path]!.activation, network)
    }

    /// The layer's activation at (row, column) for a photo, and a crop of the photo around it.
    private mutating func photoVector(path: String, row: Int, column: Int, of brush: BrushDefinition) throws -> Part {
        let (input, activation, network) = try photoActivation(path: path, of: brush, at: "photo")
        let (height, width) = (activation.shape[2], activation.shape[3])
        guard (0..<height).contains(row), (0..<width).contains(column) else {
            throw canvas.error(brush: brush, at: "at", "position [\(row), \(column)] is outside the \(height)x\(width) grid of "
                + "\(palette.description.layer) for a \(input.shape[2])-pixel input (rows and columns 0 to \(height - 1))")
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        return (activation.vector(row: row, column: column), "\(name) [\(row), \(column)]", [],
                photoCrop(input, region: CellRegion(top: row - 1, left: column - 1, bottom: row + 2, right: column + 2), cells: height,
                          normalization: network.normalization),
                nil, nil, meanColour(input, row: row, column: column, cells: height, normalization: network.normalization))
    }

    /// A block of the layer's activations for a photo, its mean, and the photo's pixels under it.
    private mutating func stamp(path: String, region: CellRegion, of brush: BrushDefinition) throws -> Part {
        let (input, activation, network) = try photoActivation(path: path, of: brush, at: "stamp")
        let (channels, height, width) = (activation.shape[1], activation.shape[2], activation.shape[3])
        guard region.bottom <= height, region.right <= width else {
            throw canvas.error(brush: brush, at: "region", "region [\(region.top), \(region.left), \(region.bottom), "
                + "\(region.right)] is outside the \(height)x\(width) grid of \(palette.description.layer) for a "
                + "\(input.shape[2])-pixel input (bottom and right at most \(height) and \(width); end-exclusive)")
        }
        let vectors = (region.top..<region.bottom).flatMap { row in
            (region.left..<region.right).map { column in activation.vector(row: row, column: column) }
        }
        let colours = (region.top..<region.bottom).flatMap { row in
            (region.left..<region.right).map { column in
                meanColour(input, row: row, column: column, cells: height, normalization: network.normalization)
            }
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        return (mean(vectors, length: channels), "\(name) [\(region.top), \(region.left), \(region.bottom), \(region.right)]", [],
                photoCrop(input, region: region, cells: height, normalization: network.normalization), nil,
                StampBlock(rows: region.rows, columns: region.columns, vectors: vectors, colours: colours), mean(colours, length: 3))
    }

    /// The element-wise mean of equally long vectors.
    private func mean(_ vectors: [[Float]], length: Int) -> [Float] {
        var mean = [Float](repeating: 0, count: length)
        for vector in vectors {
            for c in mean.indices { mean[c] += vector[c] / Float(vectors.count) }
        }
        return mean
    }

    /// The mean colour (RGB in [0, 1]) of the network's input under position (row, column) of a
    /// layer grid of `cells` x `cells`.
    private func meanColour(_ input: Tensor, row: Int, column: Int, cells: Int, normalization: InputNormalization) -> [Float] {
        let side = input.shape[2], stride = side / cells
        return (0..<3).map { c in
            var sum: Float = 0
            for y in row * stride..<(row + 1) * stride {
                for x in column * stride..<(column + 1) * stride { sum += input.values[(c * side + y) * side + x] }
            }
            let value = sum / Float(stride * stride) * normalization.standardDeviation[c] + normalization.mean[c]
            return min(max(value, 0), 1)
        }
    }

    /// The network's input under a region of the layer's grid (at least three cells a side,
    /// kept inside the input), as an image.
    private func photoCrop(_ input: Tensor, region: CellRegion, cells: Int, normalization: InputNormalization) -> RGBImage {
        let side = input.shape[2], stride = side / cells
        let height = min(max(region.rows, 3) * stride, side), width = min(max(region.columns, 3) * stride, side)
        let centreY = (region.top + region.bottom) * stride / 2, centreX = (region.left + region.right) * stride / 2
        let top = min(max(centreY - height / 2, 0), side - height), left = min(max(centreX - width / 2, 0), side - width)
        return normalization.image(ofInput: input).cropped(x: left, y: top, width: width, height: height)
    }
}

private extension Tensor {
    /// The channel vector at (row, column) of an activation [1, C, H, W].
    func vector(row: Int, column: Int) -> [Float] {
        let (height, width) = (shape[2], shape[3])
        return (0..<shape[1]).map { values[(($0 * height) + row) * width + column] }
    }
}
