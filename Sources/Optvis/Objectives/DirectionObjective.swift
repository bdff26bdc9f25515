import Tensor

/// `DirectionCosine` at one position of the layer, or its mean over every position.
struct DirectionTerm: ObjectiveTerm {
    let direction: DirectionCosine
    let position: LayerPosition?

    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor) {
        let (batch, channels, height, width) = try input.imageDimensions("activation")
        guard channels == direction.target.count else {
            throw OptvisError("direction of \(direction.target.count) channels on a layer of \(channels)")
        }
        let positions = try position.map { [try $0.resolve(height: height, width: width)] }
            ?? (0..<height).flatMap { y in (0..<width).map { x in (y: y, x: x) } }
        let scale = 1 / Float(positions.count), plane = height * width
        var gradient = [Float](repeating: 0, count: input.count)
        let values = (0..<batch).map { n in
            Float(positions.reduce(0.0) { sum, p in
                sum + direction.accumulate(input.values, start: n * channels * plane + p.y * width + p.x,
                                           stride: plane, scale: scale, into: &gradient)
            } / Double(positions.count))
        }
        return (values, try Tensor(shape: input.shape, values: gradient))
    }
}

extension Objective {
    /// a . v / |v| for the activation a of `layer` at `position` (the centre unless given;
    /// `nil`: the mean over every position): lucid's `direction_neuron`, up to a constant factor.
    public static func direction(_ layer: String, _ vector: [Float], at position: LayerPosition? = .centre,
                                 whitening: Whitening? = nil, item: Int? = nil) throws -> Objective {
        try directionCosine(layer, vector, at: position, power: 0, whitening: whitening, item: item)
    }

    /// The atlas icon objective (ALGORITHMS.md section 6, lucid's `direction_neuron_cossim_S`):
    /// dot * max(0.1, dot / (1e-4 + |a|))^power with dot = a . v' / |v'| and v' = v S, S the
    /// whitening matrix if given, at `position` (the centre unless given; `nil`: the mean over
    /// every position). The atlas notebooks use power 4, the recipe 2.
    public static func directionCosine(_ layer: String, _ vector: [Float], at position: LayerPosition? = .centre,
                                       power: Float = 4, whitening: Whitening? = nil, item: Int? = nil) throws -> Objective {
        let target = try whitening?.whiten(vector) ?? vector
        guard !target.isEmpty else { throw OptvisError("direction objective on layer \(layer): the direction is empty") }
        let name = power == 0 ? "direction" : "direction cos^\(power)"
        return Objective(DirectionTerm(direction: DirectionCosine(target: target, power: power), position: position),
                         on: .layer(layer), item: item, name: name)
    }
}
