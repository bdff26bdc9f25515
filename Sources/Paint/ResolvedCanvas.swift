import Imaging

/// A brush with what it paints: an activation vector of the palette's layer.
public struct ResolvedBrush: Sendable {
    public let character: Character
    /// What the brush is, for legends: a class name, a cell's label, a photo position, a mix.
    public let label: String
    /// The target activation (unwhitened), channels of the palette's layer.
    public let vector: [Float]
    /// The weight of the brush's cells in the objective.
    public let strength: Float
    /// The palette cells the brush takes its vector from (indices into the palette's cells).
    public let paletteCells: [Int]
    /// A picture of the brush: its palette cell's icon, or the photo around the position; nil
    /// when there is none to show.
    public let icon: RGBImage?
    /// The network's class the brush stands for (class brushes): the painting pulls the brush's
    /// region towards it, and a judge reports its rank there.
    public let classIndex: Int?

    public init(character: Character, label: String, vector: [Float], strength: Float, paletteCells: [Int], icon: RGBImage?,
                classIndex: Int? = nil) {
        (self.character, self.label, self.vector, self.strength) = (character, label, vector, strength)
        (self.paletteCells, self.icon, self.classIndex) = (paletteCells, icon, classIndex)
    }
}

/// A canvas with its brushes turned into vectors: the target activation grid.
public struct ResolvedCanvas: Sendable {
    public let canvas: Canvas
    /// The palette's layer and its stride in input pixels.
    public let layer: String
    public let stride: Int
    public let brushes: [ResolvedBrush]
    /// rows x columns, row by row: each painted cell's brush vector (unwhitened), nil for a free cell.
    public let targets: [[Float]?]
    /// rows x columns, row by row: the index into `brushes` of each painted cell.
    public let brushIndexOfCell: [Int?]

    public var rows: Int { canvas.rows }
    public var columns: Int { canvas.columns }

    /// The bounding box of the cells brush `index` paints, in cells (end-exclusive); nil when
    /// the brush paints none.
    public func region(ofBrush index: Int) -> (top: Int, left: Int, bottom: Int, right: Int)? {
        let cells = brushIndexOfCell.indices.filter { brushIndexOfCell[$0] == index }
        guard !cells.isEmpty else { return nil }
        let (rowsOf, columnsOf) = (cells.map { $0 / columns }, cells.map { $0 % columns })
        return (rowsOf.min()!, columnsOf.min()!, rowsOf.max()! + 1, columnsOf.max()! + 1)
    }

    public init(canvas: Canvas, layer: String, stride: Int, brushes: [ResolvedBrush]) {
        (self.canvas, self.layer, self.stride, self.brushes) = (canvas, layer, stride, brushes)
        brushIndexOfCell = canvas.cells.map { character in character.flatMap { c in brushes.firstIndex { $0.character == c } } }
        targets = brushIndexOfCell.map { index in index.map { brushes[$0].vector } }
    }
}
