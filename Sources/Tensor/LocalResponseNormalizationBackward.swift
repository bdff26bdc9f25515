import Foundation

extension LocalResponseNormalization {
    /// dL/dx (written into `gradient`) from the input x and dL/dy, all plain [N, C, spatial...]. With
    /// s_c = k + alpha / size · Σ_{j ∈ W(c)} x_j² and y_c = x_c s_c^-beta,
    /// dL/dx_i = g_i s_i^-beta - 2 beta alpha / size · x_i Σ_{c ∈ W(i)} g_c x_c s_c^(-beta-1)
    /// (the window is centred, so c ∈ W(i) exactly when i ∈ W(c)). oneDNN has no fast kernel for
    /// windows other than 5, and its reference backward recomputes every window's sum for every
    /// element; this sums each window once, over contiguous planes.
    func inputGradient(input x: UnsafeBufferPointer<Float>, outputGradient g: UnsafeBufferPointer<Float>,
                       into gradient: UnsafeMutableBufferPointer<Float>, shape: [Int]) {
        let (batch, channels, plane) = (shape[0], shape[1], shape.dropFirst(2).reduce(1, *))
        let (radius, a) = (size / 2, alpha / Float(size))
        var squares = [Float](repeating: 0, count: channels * plane), terms = squares
        var window = [Float](repeating: 0, count: plane)
        for item in 0..<batch {
            let base = item * channels * plane
            for i in 0..<channels * plane { squares[i] = x[base + i] * x[base + i] }
            // terms_c = g_c x_c s_c^(-beta-1); the first part of the gradient goes in directly.
            for c in 0..<channels {
                windowSum(squares, channel: c, radius: radius, channels: channels, into: &window)
                for p in 0..<plane {
                    let i = c * plane + p, s = k + a * window[p], power = pow(s, -beta)
                    gradient[base + i] = g[base + i] * power
                    terms[i] = g[base + i] * x[base + i] * power / s
                }
            }
            for c in 0..<channels {
                windowSum(terms, channel: c, radius: radius, channels: channels, into: &window)
                for p in 0..<plane {
                    let i = c * plane + p
                    gradient[base + i] -= 2 * beta * a * x[base + i] * window[p]
                }
            }
        }
    }
}

/// window[p] = Σ values[j][p] over the channels j within `radius` of `channel`, for [C, plane]
/// values.
private func windowSum(_ values: [Float], channel: Int, radius: Int, channels: Int, into window: inout [Float]) {
    let plane = window.count
    values.withUnsafeBufferPointer { values in
        window.withUnsafeMutableBufferPointer { window in
            for p in 0..<plane { window[p] = 0 }
            for j in max(0, channel - radius)...min(channels - 1, channel + radius) {
                for p in 0..<plane { window[p] += values[j * plane + p] }
            }
        }
    }
}
