import Foundation
import Tensor

/// The logistic function 1 / (1 + e^-x), elementwise: lucid's way into [0, 1].
enum Sigmoid {
    static func apply(_ x: Tensor) throws -> (Tensor, Pullback) {
        let y = x.values.map { 1 / (1 + exp(-$0)) }
        let output = try Tensor(shape: x.shape, values: y)
        return (output, { gradient in
            try gradient.expectShape(x.shape, "sigmoid gradient")
            return try Tensor(shape: x.shape, values: zip(gradient.values, y).map { g, s in g * s * (1 - s) })
        })
    }
}
