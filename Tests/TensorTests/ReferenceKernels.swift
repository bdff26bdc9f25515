import Foundation
import Tensor

/// Naive, obviously correct versions of the operations, to check oneDNN's results against.
enum Reference {
    static func convolution(_ x: Tensor, _ c: Convolution) -> Tensor {
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (kh, kw, s, p, d) = (c.kernelHeight, c.kernelWidth, c.stride, c.padding, c.dilation)
        let oh = (h + p.top + p.bottom - (kh - 1) * d - 1) / s + 1, ow = (w + p.left + p.right - (kw - 1) * d - 1) / s + 1
        let outPerGroup = c.outputChannels / c.groups, inPerGroup = c.weights.shape[1]
        var y = Tensor(shape: [n, c.outputChannels, oh, ow])
        for b in 0..<n {
            for o in 0..<c.outputChannels {
                let g = o / outPerGroup
                for i in 0..<oh {
                    for j in 0..<ow {
                        var sum = c.bias?[o] ?? 0
                        for ci in 0..<inPerGroup {
                            for u in 0..<kh {
                                for v in 0..<kw {
                                    let r = i * s + u * d - p.top, q = j * s + v * d - p.left
                                    guard r >= 0, r < h, q >= 0, q < w else { continue }
                                    sum += x[b, g * inPerGroup + ci, r, q] * c.weights[o, ci, u, v]
                                }
                            }
                        }
                        y[b, o, i, j] = c.activation.map { activate(sum, $0) } ?? sum
                    }
                }
            }
        }
        return y
    }

    static func activate(_ value: Float, _ activation: Activation) -> Float {
        let sigmoid = Float(1 / (1 + exp(-Double(value))))
        return switch activation {
        case .relu: max(value, 0)
        case .relu6: min(max(value, 0), 6)
        case .sigmoid: sigmoid
        case .swish: value * sigmoid
        case .hardSwish: value * min(max(value + 3, 0), 6) / 6
        case .hardSigmoid(let alpha, let beta): max(0, min(1, alpha * value + beta))
        case .clip(let low, let high): min(max(value, low), high)
        }
    }

    static func pooling(_ x: Tensor, _ pooling: Pooling) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (k, s, p) = (pooling.kernel, pooling.stride, pooling.padding)
        let oh = (h + p.top + p.bottom - k) / s + 1, ow = (w + p.left + p.right - k) / s + 1
        var y = Tensor(shape: [n, c, oh, ow])
        for b in 0..<n {
            for ch in 0..<c {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var best = -Float.infinity, sum: Float = 0, real = 0, window = 0
                        for u in 0..<k {
                            for v in 0..<k {
                                let r = i * s + u - p.top, q = j * s + v - p.left
                                // The window counted with padding stops at the padded border.
                                if r < h + p.bottom, q < w + p.right { window += 1 }
                                guard r >= 0, r < h, q >= 0, q < w else { continue }
                                best = max(best, x[b, ch, r, q])
                                sum += x[b, ch, r, q]
                                real += 1
                            }
                        }
                        switch pooling.kind {
                        case .max: y[b, ch, i, j] = best
                        case .average(let countingPadding): y[b, ch, i, j] = sum / Float(countingPadding ? window : real)
                        }
                    }
                }
            }
        }
        return y
    }

    static func globalAveragePool(_ x: Tensor) -> Tensor {
        let (n, c, area) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        var y = Tensor(shape: [n, c, 1, 1])
        for b in 0..<n {
            for ch in 0..<c {
                y[b, ch, 0, 0] = x.values[(b * c + ch) * area..<(b * c + ch + 1) * area].reduce(0, +) / Float(area)
            }
        }
        return y
    }

    static func linear(_ x: Tensor, _ linear: Linear) -> Tensor {
        let n = x.shape[0], features = x.count / n, outputs = linear.weights.shape[0]
        var y = Tensor(shape: [n, outputs])
        for b in 0..<n {
            for o in 0..<outputs {
                var sum = linear.bias?[o] ?? 0
                for f in 0..<features { sum += x.values[b * features + f] * linear.weights[o, f] }
                y[b, o] = sum
            }
        }
        return y
    }

    static func softmax(_ x: Tensor) -> Tensor {
        let n = x.shape[0], k = x.count / n
        var y = x
        for b in 0..<n {
            let row = x.values[b * k..<(b + 1) * k]
            let top = row.max()!
            let exps = row.map { Double(exp($0 - top)) }
            let total = exps.reduce(0, +)
            for (i, e) in exps.enumerated() { y[b, i] = Float(e / total) }
        }
        return y
    }

    /// PyTorch's F.local_response_norm, in Double: a_c / (k + alpha / size * Σ a_c'²)^beta over
    /// the `size` channels centred on c.
    static func localResponseNormalization(_ x: Tensor, _ lrn: LocalResponseNormalization) -> Tensor {
        let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let (k, alpha, beta) = (Double(lrn.k), Double(lrn.alpha) / Double(lrn.size), Double(lrn.beta))
        var values = [Float](repeating: 0, count: x.count)
        for b in 0..<n {
            for ch in 0..<c {
                for p in 0..<plane {
                    var sum = 0.0
                    for other in max(0, ch - lrn.size / 2)...min(c - 1, ch + lrn.size / 2) {
                        let a = Double(x.values[(b * c + other) * plane + p])
                        sum += a * a
                    }
                    let index = (b * c + ch) * plane + p
                    values[index] = Float(Double(x.values[index]) / pow(k + alpha * sum, beta))
                }
            }
        }
        return try! Tensor(shape: x.shape, values: values)
    }

    /// The tensors stacked along dimension 1.
    static func concatenation(_ parts: [Tensor]) -> Tensor {
        let n = parts[0].shape[0], rest = Array(parts[0].shape.dropFirst(2)), plane = rest.reduce(1, *)
        var values: [Float] = []
        for b in 0..<n {
            for part in parts {
                let size = part.shape[1] * plane
                values += part.values[b * size..<(b + 1) * size]
            }
        }
        return try! Tensor(shape: [n, parts.reduce(0) { $0 + $1.shape[1] }] + rest, values: values)
    }

    /// For each output of a max pooling, the flat index (in `x`) of the first input that attains
    /// its window's maximum, row by row: what the exact gradient routes to.
    static func maxPoolingWinners(_ x: Tensor, _ pooling: Pooling) -> [Int] {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (k, s, p) = (pooling.kernel, pooling.stride, pooling.padding)
        let oh = (h + p.top + p.bottom - k) / s + 1, ow = (w + p.left + p.right - k) / s + 1
        var winners: [Int] = []
        for b in 0..<n {
            for ch in 0..<c {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var best = (value: -Float.infinity, index: -1)
                        for u in 0..<k {
                            for v in 0..<k {
                                let r = i * s + u - p.top, q = j * s + v - p.left
                                guard r >= 0, r < h, q >= 0, q < w else { continue }
                                let index = ((b * c + ch) * h + r) * w + q
                                if x.values[index] > best.value { best = (x.values[index], index) }
                            }
                        }
                        winners.append(best.index)
                    }
                }
            }
        }
        return winners
    }

    static func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        try! Tensor(shape: a.shape, values: zip(a.values, b.values).map(+))
    }

    /// The elementwise product, `b` of `a`'s shape or [N, C, 1, 1] (one value per channel).
    static func multiply(_ a: Tensor, _ b: Tensor) -> Tensor {
        let plane = a.count / b.count
        return try! Tensor(shape: a.shape, values: a.values.indices.map { a.values[$0] * b.values[$0 / plane] })
    }

    static func activation(_ x: Tensor, _ activation: Activation) -> Tensor {
        try! Tensor(shape: x.shape, values: x.values.map { activate($0, activation) })
    }
}

/// A small seeded generator (SplitMix64) so that every test sees the same numbers.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func tensor(_ shape: [Int], in range: ClosedRange<Float> = -1...1) -> Tensor {
        try! Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float.random(in: range, using: &self) })
    }

    mutating func values(_ count: Int) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1...1, using: &self) }
    }
}
