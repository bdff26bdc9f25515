import Optvis
import Tensor

/// The painting objective: at every painted position p of the layer's grid, the cosine between
/// the activation a_p and its (whitened) target t_p, times the position's weight, summed:
///
///     value = sum_p w_p cos(a_p, t_p),   d cos / d a = (t / |t| - cos a / |a|) / |a|
///
/// Unlike the icons' dot x cos^power (`Objective.directionGrid`), each position's term is
/// bounded and independent of the activation's magnitude, so every position pulls equally:
/// with dot x cos^power the optimiser grows the activations where the cosine is already high
/// and leaves behind the positions whose cosine is still below lucid's floor of 0.1 (their
/// gradient is scaled by 0.1^power), which on a grid of several brushes paints the easy
/// brushes over the hard ones.
struct CosineGridTerm: ObjectiveTerm {
    let height: Int
    let width: Int
    /// One unit target and weight per painted position, row by row; nil for a free one.
    let targets: [(direction: [Float], weight: Float)?]

    init(height: Int, width: Int, targets: [(vector: [Float], weight: Float)?]) throws {
        guard targets.count == height * width else {
            throw PaintError("cosine grid: \(targets.count) targets for a \(height)x\(width) layer grid")
        }
        self.targets = try targets.map { target in
            try target.map { vector, weight in
                let norm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                guard norm > 0, norm.isFinite else { throw PaintError("cosine grid: a target vector is zero") }
                return (vector.map { Float(Double($0) / norm) }, weight)
            }
        }
        (self.height, self.width) = (height, width)
    }

    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor) {
        guard input.rank == 4, input.shape[2] == height, input.shape[3] == width else {
            throw PaintError("cosine grid: a \(height)x\(width) grid on an activation of shape \(input.shape)")
        }
        let (batch, channels) = (input.shape[0], input.shape[1])
        let plane = height * width
        if let wrong = targets.compactMap({ $0 }).first(where: { $0.direction.count != channels }) {
            throw PaintError("cosine grid: targets of \(wrong.direction.count) channels on a layer of \(channels)")
        }
        var gradient = [Float](repeating: 0, count: input.count)
        var values = [Float](repeating: 0, count: batch)
        for n in 0..<batch {
            var total = 0.0
            for (position, target) in targets.enumerated() {
                guard let (direction, weight) = target else { continue }
                let start = n * channels * plane + position
                var dot = 0.0, squares = 0.0
                for c in 0..<channels {
                    let a = Double(input.values[start + c * plane])
                    dot += a * Double(direction[c])
                    squares += a * a
                }
                let magnitude = squares.squareRoot() + 1e-8
                let cos = dot / magnitude
                total += Double(weight) * cos
                for c in 0..<channels {
                    let index = start + c * plane
                    let g = (Double(direction[c]) - cos * Double(input.values[index]) / magnitude) / magnitude
                    gradient[index] = Float(Double(weight) * g)
                }
            }
            values[n] = Float(total)
        }
        return (values, try Tensor(shape: input.shape, values: gradient))
    }
}
