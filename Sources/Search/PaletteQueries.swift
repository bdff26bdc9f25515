import Paint
import Palette

extension GridOrigin {
    /// Fails unless `palette` was built from this model, checkpoint and layer: its vectors live
    /// in another space otherwise.
    public func check(palette: Palette, index: String) throws {
        let d = palette.description
        try check(GridOrigin(model: d.model, weightsSHA256: d.weightsSHA256, layer: d.layer, channels: d.channels, stride: d.stride),
                  what: "palette \(palette.folder)", index: index)
    }
}

extension GridQuery {
    /// A 1 x 1 query painted with one brush: the palette cell most attributed to the ImageNet
    /// class `name` (its label or one of its synonyms, case-insensitive, as canvases name classes).
    public static func brush(_ name: String, palette: Palette, labels: [String]) throws -> GridQuery {
        let label = labels[try ClassLookup.resolve(name, labels: labels)]
        guard let cell = palette.cell(forClass: label) ?? palette.cell(forClass: ClassLookup.shortName(label)) else {
            throw SearchError("no cell of palette \(palette.folder) has class '\(label)' among its top classes "
                + "(\(palette.classLabels.count) classes have a cell; `atlas canvas new` lists some)")
        }
        return try GridQuery(vector: palette.vector(ofCell: cell))
    }

    /// The query a resolved canvas draws: its painted cells' vectors, free cells free.
    public init(canvas: ResolvedCanvas) throws {
        try self.init(rows: canvas.rows, columns: canvas.columns, cells: canvas.targets)
    }
}

extension BrushSource {
    /// Whether resolving the brush needs the network (it takes a photo's activation).
    public var needsNetwork: Bool {
        switch self {
        case .cell, .label: false
        case .photo, .stamp: true
        case .mix(let parts): parts.contains { $0.source.needsNetwork }
        }
    }
}
