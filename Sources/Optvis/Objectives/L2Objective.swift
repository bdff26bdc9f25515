import Tensor

/// sqrt(epsilon + sum (x - constant)^2) over each batch item (lucid's `L2`).
struct L2Term: ObjectiveTerm {
    let constant: Float
    let epsilon: Float

    func evaluate(_ input: Tensor) throws -> (values: [Float], gradient: Tensor) {
        guard let batch = input.shape.first, batch > 0 else { throw OptvisError("L2 of an empty batch \(input.shape)") }
        let itemSize = input.count / batch
        var gradient = [Float](repeating: 0, count: input.count)
        let values = (0..<batch).map { n in
            let range = n * itemSize..<(n + 1) * itemSize
            let norm = (Double(epsilon) + input.values[range].reduce(0.0) { sum, x in
                sum + Double(x - constant) * Double(x - constant)
            }).squareRoot()
            for i in range { gradient[i] = Float(Double(input.values[i] - constant) / norm) }
            return Float(norm)
        }
        return (values, try Tensor(shape: input.shape, values: gradient))
    }
}

extension Objective {
    /// The L2 norm of the image's distance from `constant` (lucid's `L2`), a penalty: subtract it.
    public static func l2(constant: Float = 0, epsilon: Float = 1e-6, item: Int? = nil) -> Objective {
        Objective(L2Term(constant: constant, epsilon: epsilon), on: .image, item: item, name: "L2")
    }
}
