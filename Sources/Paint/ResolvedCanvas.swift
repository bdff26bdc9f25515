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
    /// A stamp's block: one vector per cell of its region, row by row (`vector` is their mean);
    /// nil for a brush that paints one vector everywhere.
    public let stamp: StampBlock?
    /// The mean colour (RGB in [0, 1]) of the photo under a photo brush's position, or a stamp's
    /// mean; nil for brushes not taken from a photo.
    public let colour: [Float]?

    public init(character: Character, label: String, vector: [Float], strength: Float, paletteCells: [Int], icon: RGBImage?,
                classIndex: Int? = nil, stamp: StampBlock? = nil, colour: [Float]? = nil) {
        (self.character, self.label, self.vector, self.strength) = (character, label, vector, strength)
        (self.paletteCells, self.icon, self.classIndex, self.stamp, self.colour) = (paletteCells, icon, classIndex, stamp, colour)
    }
}

/// A block of target vectors (unwhitened) that a stamp brush paints as a whole.
public struct StampBlock: Sendable {
    public let rows: Int
    public let columns: Int
    /// rows x columns vectors, row by row.
    public let vectors: [[Float]]
    /// rows x columns mean colours (RGB in [0, 1]) of the photo under each cell, row by row.
    public let colours: [[Float]]

    public init(rows: Int, columns: Int, vectors: [[Float]], colours: [[Float]]) {
        precondition(vectors.count == rows * columns && colours.count == rows * columns,
                     "a \(rows)x\(columns) stamp needs \(rows * columns) vectors and colours")
        (self.rows, self.columns, self.vectors, self.colours) = (rows, columns, vectors, colours)
    }
}

/// A canvas with its brushes turned into vectors: the target activation grid.
public struct ResolvedCanvas: Sendable {
    public let canvas: Canvas
    /// The palette's layer and its stride in input pixels.
    public let layer: String
    public let stride: Int
    public let brushes: [ResolvedBrush]
    /// rows x columns, row by row: each painted cell's target (unwhitened): its brush's vector, or
    /// for a stamp the vector at the cell's offset in its block; nil for a free cell.
    public let targets: [[Float]?]
    /// rows x columns, row by row: the index into `brushes` of each painted cell.
    public let brushIndexOfCell: [Int?]
    /// rows x columns, row by row: each painted cell's colour (RGB in [0, 1]) where its brush was
    /// taken from a photo (its brush's colour, or a stamp's colour at the cell's offset), else nil.
    public let colours: [[Float]?]

    public var rows: Int { canvas.rows }
    public var columns: Int { canvas.columns }

    /// The bounding box of the cells brush `index` paints, in cells (end-exclusive); nil when
    /// the brush paints none.
    public func region(ofBrush index: Int) -> CellRegion? {
        let cells = brushIndexOfCell.indices.filter { brushIndexOfCell[$0] == index }
        guard !cells.isEmpty else { return nil }
        let (rowsOf, columnsOf) = (cells.map { $0 / columns }, cells.map { $0 % columns })
        return CellRegion(top: rowsOf.min()!, left: columnsOf.min()!, bottom: rowsOf.max()! + 1, right: columnsOf.max()! + 1)
    }

    /// `brushes` resolve the canvas's brush definitions; a stamp's blocks must have its shape
    /// (`Canvas` checks that when it parses).
    public init(canvas: Canvas, layer: String, stride: Int, brushes: [ResolvedBrush]) {
        (self.canvas, self.layer, self.stride, self.brushes) = (canvas, layer, stride, brushes)
        brushIndexOfCell = canvas.cells.map { character in character.flatMap { c in brushes.firstIndex { $0.character == c } } }
        var targets = brushIndexOfCell.map { index in index.map { brushes[$0].vector } }
        var colours = brushIndexOfCell.map { index in index.flatMap { brushes[$0].colour } }
        for brush in brushes {
            guard let stamp = brush.stamp else { continue }
            for block in canvas.blocks(of: brush.character) {
                precondition(block.filled && block.region.rows == stamp.rows && block.region.columns == stamp.columns,
                             "brush '\(brush.character)': a block of the grid does not have its stamp's shape")
                for r in 0..<stamp.rows {
                    for c in 0..<stamp.columns {
                        let cell = (block.region.top + r) * canvas.columns + block.region.left + c
                        targets[cell] = stamp.vectors[r * stamp.columns + c]
                        colours[cell] = stamp.colours[r * stamp.columns + c]
                    }
                }
            }
        }
        (self.targets, self.colours) = (targets, colours)
    }
}
