import Tensor

/// `DirectionCosine` at every painted position of a grid the size of the layer, summed.
struct DirectionGridTerm: ObjectiveTerm {
    let height: Int
    let width: Int
    /// One direction or nothing per position, row by row.
    let directions: [DirectionCosine?]

    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor) {
        let (batch, channels, layerHeight, layerWidth) = try input.imageDimensions("activation")
        guard layerHeight == height, layerWidth == width else {
            throw OptvisError("a \(height)x\(width) direction grid on a \(layerHeight)x\(layerWidth) layer")
        }
        if let wrong = directions.compactMap({ $0 }).first(where: { $0.target.count != channels }) {
            throw OptvisError("direction grid vectors of \(wrong.target.count) channels on a layer of \(channels)")
        }
        let plane = height * width
        var gradient = [Float](repeating: 0, count: input.count)
        let values = (0..<batch).map { n in
            Float(directions.indices.reduce(0.0) { sum, position in
                guard let direction = directions[position] else { return sum }
                return sum + direction.accumulate(input.values, start: n * channels * plane + position, stride: plane,
                                                  scale: 1, into: &gradient)
            })
        }
        return (values, try Tensor(shape: input.shape, values: gradient))
    }
}

extension Objective {
    /// Painting with the atlas (ALGORITHMS.md section 9): `targets` holds, row by row, one vector
    /// or nothing for each position of the layer's height x width grid, and the objective is the
    /// sum over painted positions of the direction-cosine objective (`directionCosine`) there.
    public static func directionGrid(_ layer: String, targets: [[Float]?], height: Int, width: Int,
                                     power: Float = 4, whitening: Whitening? = nil, item: Int? = nil) throws -> Objective {
        try directionGrid(.layer(layer), targets: targets, height: height, width: width, power: power, whitening: whitening,
                          item: item)
    }

    /// `directionGrid` on any layer source (a region of the image, for one).
    public static func directionGrid(_ layer: Source, targets: [[Float]?], height: Int, width: Int,
                                     power: Float = 4, whitening: Whitening? = nil, item: Int? = nil) throws -> Objective {
        guard height > 0, width > 0, targets.count == height * width else {
            throw OptvisError("direction grid on layer \(layer): expected \(height)x\(width) = \(height * width) cells, got \(targets.count)")
        }
        let directions = try targets.map { vector in
            try vector.map { DirectionCosine(target: try whitening?.whiten($0) ?? $0, power: power) }
        }
        let painted = directions.compactMap { $0 }
        guard let first = painted.first else {
            throw OptvisError("direction grid on layer \(layer): no cell is painted")
        }
        guard painted.allSatisfy({ $0.target.count == first.target.count }), !first.target.isEmpty else {
            throw OptvisError("direction grid on layer \(layer): painted cells must all have the same, non-zero number of channels")
        }
        return Objective(DirectionGridTerm(height: height, width: width, directions: directions),
                         on: layer, item: item, name: "direction grid cos^\(power)")
    }
}
