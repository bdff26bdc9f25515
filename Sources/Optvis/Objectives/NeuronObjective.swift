import Tensor

/// One channel at one position (lucid's `neuron`).
struct NeuronTerm: ObjectiveTerm {
    let channel: Int
    let position: LayerPosition

    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor) {
        let (batch, channels, height, width) = try input.imageDimensions("activation")
        guard channel >= 0, channel < channels else {
            throw OptvisError("channel \(channel) outside a layer of \(channels) channels")
        }
        let (y, x) = try position.resolve(height: height, width: width)
        var gradient = [Float](repeating: 0, count: input.count)
        let values = (0..<batch).map { n in
            let index = ((n * channels + channel) * height + y) * width + x
            gradient[index] = 1
            return input.values[index]
        }
        return (values, try Tensor(shape: input.shape, values: gradient))
    }
}

extension Objective {
    /// The activation of `channel` of `layer` at one position (the centre unless given).
    public static func neuron(_ layer: String, _ channel: Int, at position: LayerPosition = .centre,
                              item: Int? = nil) -> Objective {
        Objective(NeuronTerm(channel: channel, position: position), on: .layer(layer), item: item, name: "neuron \(channel)")
    }
}
