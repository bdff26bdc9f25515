/// What a brush paints, as a canvas file names it.
public indirect enum BrushSource: Sendable, Equatable {
    /// The palette cell at a grid position of its atlas (column from the left, row from the top).
    case cell(column: Int, row: Int)
    /// The palette cell with the largest mean attribution to an ImageNet class.
    case label(String)
    /// The layer's activation at (row, column) of its grid for a photo (resolved path),
    /// preprocessed as the network's input (resized and centre-cropped to the input size).
    case photo(path: String, row: Int, column: Int)
    /// A block of the layer's activations for a photo (resolved path, preprocessed as for
    /// `photo`): rows `region.top..<region.bottom`, columns `region.left..<region.right` of the
    /// layer's grid, painted as a block: each of the brush's blocks in the grid takes the
    /// photo's activation at the same offset, so the brush carries an arrangement, not one vector.
    case stamp(path: String, region: CellRegion)
    /// The weighted mean of other sources' vectors.
    case mix([WeightedBrushSource])
}

/// One part of a mix.
public struct WeightedBrushSource: Sendable, Equatable {
    public let source: BrushSource
    public let weight: Float

    public init(source: BrushSource, weight: Float) {
        (self.source, self.weight) = (source, weight)
    }
}

/// A brush as the canvas defines it: the character that paints it, what it paints, and how
/// strongly (a weight of its cells' terms in the objective).
public struct BrushDefinition: Sendable, Equatable {
    public let character: Character
    public let source: BrushSource
    public let strength: Float
    /// Where the brush is defined in the canvas file.
    public let location: SourceLocation?

    public init(character: Character, source: BrushSource, strength: Float = 1, location: SourceLocation? = nil) {
        (self.character, self.source, self.strength, self.location) = (character, source, strength, location)
    }
}

/// A rectangle of grid cells, end-exclusive: rows `top..<bottom`, columns `left..<right`.
public struct CellRegion: Sendable, Equatable {
    public let top: Int
    public let left: Int
    public let bottom: Int
    public let right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        (self.top, self.left, self.bottom, self.right) = (top, left, bottom, right)
    }

    public var rows: Int { bottom - top }
    public var columns: Int { right - left }
}
