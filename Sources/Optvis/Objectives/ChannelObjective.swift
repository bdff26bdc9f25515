import Tensor

/// The mean of one channel over all positions (lucid's `channel`).
struct ChannelTerm: ObjectiveTerm {
    let channel: Int

    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor) {
        let (batch, channels, height, width) = try input.imageDimensions("activation")
        guard channel >= 0, channel < channels else {
            throw OptvisError("channel \(channel) outside a layer of \(channels) channels")
        }
        let plane = height * width
        var gradient = [Float](repeating: 0, count: input.count)
        let values = (0..<batch).map { n in
            let start = (n * channels + channel) * plane
            for i in start..<start + plane { gradient[i] = 1 / Float(plane) }
            return Float(input.values[start..<start + plane].reduce(0.0) { $0 + Double($1) } / Double(plane))
        }
        return (values, try Tensor(shape: input.shape, values: gradient))
    }
}

extension Objective {
    /// The mean activation of `channel` of `layer` over all positions.
    public static func channel(_ layer: String, _ channel: Int, item: Int? = nil) -> Objective {
        Objective(ChannelTerm(channel: channel), on: .layer(layer), item: item, name: "channel \(channel)")
    }
}
