import Foundation

/// UMAP's low-dimensional similarity 1 / (1 + a d^(2b)), with a and b fitted by least squares
/// (Levenberg-Marquardt, as scipy's curve_fit in umap-learn) to the target curve that is 1 up
/// to `minDist` and exp(-(d - minDist) / spread) beyond, sampled at 300 points in [0, 3 spread].
public enum CurveFit {
    public static func ab(minDist: Double, spread: Double) -> (a: Double, b: Double) {
        let xs = (0..<300).map { 3 * spread * Double($0) / 299 }
        let ys = xs.map { $0 < minDist ? 1 : exp(-($0 - minDist) / spread) }
        var p = (a: 1.0, b: 1.0)
        var lambda = 1e-3
        func residuals(_ a: Double, _ b: Double) -> Double {
            zip(xs, ys).reduce(0) { sum, point in
                let r = 1 / (1 + a * pow(point.0, 2 * b)) - point.1
                return sum + r * r
            }
        }
        var cost = residuals(p.a, p.b)
        for _ in 0..<500 {
            // Normal equations J^T J + lambda diag(J^T J) from the analytic Jacobian.
            var jaa = 0.0, jab = 0.0, jbb = 0.0, ga = 0.0, gb = 0.0
            for (x, y) in zip(xs, ys) {
                let power = pow(x, 2 * p.b)
                let f = 1 / (1 + p.a * power)
                let r = f - y
                let da = -power * f * f
                let db = x > 0 ? -p.a * power * 2 * log(x) * f * f : 0
                jaa += da * da; jab += da * db; jbb += db * db
                ga += da * r; gb += db * r
            }
            let m00 = jaa * (1 + lambda), m11 = jbb * (1 + lambda)
            let det = m00 * m11 - jab * jab
            guard det != 0, det.isFinite else { break }
            let stepA = -(m11 * ga - jab * gb) / det
            let stepB = -(m00 * gb - jab * ga) / det
            let trial = (a: p.a + stepA, b: p.b + stepB)
            let trialCost = trial.a > 0 && trial.b > 0 ? residuals(trial.a, trial.b) : .infinity
            if trialCost < cost {
                let improvement = cost - trialCost
                p = trial
                cost = trialCost
                lambda = max(lambda / 10, 1e-12)
                if improvement < 1e-15 * max(cost, 1e-300) || (abs(stepA) < 1e-12 && abs(stepB) < 1e-12) { break }
            } else {
                lambda *= 10
                if lambda > 1e12 { break }
            }
        }
        return p
    }
}
