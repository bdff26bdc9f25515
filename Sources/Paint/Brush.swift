/// What a brush paints, as a canvas file names it.
public indirect enum BrushSource: Sendable, Equatable {
    /// The palette cell at a grid position of its atlas (column from the left, row from the top).
    case cell(column: Int, row: Int)
    /// The palette cell with the largest mean attribution to an ImageNet class.
    case label(String)
    /// The layer's activation at (row, column) of its grid for a photo (resolved path),
    /// preprocessed as the network's input (resized and centre-cropped to the input size).
    case photo(path: String, row: Int, column: Int)
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
