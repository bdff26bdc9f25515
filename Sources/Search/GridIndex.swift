/// Indexed grids in memory, ready to search: every grid's int8 codes and scales end to end
/// (`UnitVectorCodes`), and each grid's mean activation.
public struct GridIndex: Sendable {
    public let origin: GridOrigin
    /// Image paths; grids refer to them by position.
    public private(set) var paths: [String] = []
    public private(set) var grids: [Grid] = []
    /// Each grid's [channels, positions] codes, end to end.
    public private(set) var codes: [Int8] = []
    /// [positions of all grids].
    public private(set) var scales: [Float] = []
    /// [grids, channels]: the mean raw activation of each grid.
    public private(set) var means: [Float] = []

    /// One grid: an image seen at one input side.
    public struct Grid: Sendable, Equatable {
        public let image: Int
        public let side: Int
        public let rows: Int
        public let columns: Int
        /// Its first position in `scales`; its codes start at firstPosition * channels.
        public let firstPosition: Int
    }

    public init(origin: GridOrigin) {
        self.origin = origin
    }

    public var imageCount: Int { paths.count }

    /// Adds an image and returns its number.
    public mutating func addImage(path: String) -> Int {
        paths.append(path)
        return paths.count - 1
    }

    /// Encodes and adds a grid of image `image` seen at `side`.
    public mutating func add(_ grid: ActivationGrid, image: Int, side: Int) throws {
        let (gridCodes, gridScales) = UnitVectorCodes.encode(grid)
        try add(codes: gridCodes[...], scales: gridScales[...], mean: grid.mean[...], image: image, side: side,
                rows: grid.rows, columns: grid.columns, channels: grid.channels)
    }

    /// Adds an encoded grid (as read from a shard).
    public mutating func add(codes gridCodes: ArraySlice<Int8>, scales gridScales: ArraySlice<Float>, mean: ArraySlice<Float>,
                             image: Int, side: Int, rows: Int, columns: Int, channels: Int) throws {
        guard channels == origin.channels, image >= 0, image < paths.count, gridScales.count == rows * columns,
              gridCodes.count == rows * columns * channels, mean.count == channels else {
            throw SearchError("a \(rows) x \(columns) grid of \(channels) channels does not fit an index of \(origin.channels) "
                + "channels (image \(image) of \(paths.count))")
        }
        grids.append(Grid(image: image, side: side, rows: rows, columns: columns, firstPosition: scales.count))
        codes += gridCodes
        scales += gridScales
        means += mean
    }

    /// The unit vectors of grid `index`, [rows * columns, channels] (decoded codes).
    public func vectors(ofGrid index: Int) -> [Float] {
        let grid = grids[index], positions = grid.rows * grid.columns
        let channels = origin.channels
        return UnitVectorCodes.decode(codes: codes[grid.firstPosition * channels..<(grid.firstPosition + positions) * channels],
                                      scales: scales[grid.firstPosition..<grid.firstPosition + positions], channels: origin.channels)
    }

    /// Bytes held per position and per grid beyond its positions.
    public var bytesPerPosition: Int { origin.channels + 4 }
    public var bytesPerGrid: Int { 4 * origin.channels }
}
