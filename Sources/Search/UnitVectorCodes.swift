/// The index's compact form of an activation grid: each position's direction only, as int8
/// codes, stored channel by channel.
///
/// A position's vector v is divided by its largest absolute component and rounded to integers
/// in [-127, 127] (q = round(127 v / max|v|)); its scale is 1 / |q|, so q * scale is a unit
/// vector and the cosine of a unit query u with the position is scale * (u . q). Magnitudes are
/// dropped: search scores only directions. A zero vector gets scale 0 (cosine 0 with
/// everything). Codes are laid out [channels, positions] so the matching kernel can run along
/// positions, 16 at a time.
public enum UnitVectorCodes {
    /// Codes [channels, positions] and scales [positions] of a grid.
    public static func encode(_ grid: ActivationGrid) -> (codes: [Int8], scales: [Float]) {
        let channels = grid.channels, positions = grid.rows * grid.columns
        var codes = [Int8](repeating: 0, count: positions * channels)
        var scales = [Float](repeating: 0, count: positions)
        for position in 0..<positions {
            let vector = grid.values[position * channels..<(position + 1) * channels]
            let largest = vector.reduce(0) { max($0, abs($1)) }
            guard largest > 0, largest.isFinite else { continue }
            var squares: Float = 0
            for (channel, value) in vector.enumerated() {
                let code = (127 * value / largest).rounded()
                codes[channel * positions + position] = Int8(code)
                squares += code * code
            }
            scales[position] = 1 / squares.squareRoot()
        }
        return (codes, scales)
    }

    /// The unit vectors the codes stand for, position by position: [positions, channels].
    public static func decode(codes: ArraySlice<Int8>, scales: ArraySlice<Float>, channels: Int) -> [Float] {
        let positions = scales.count
        var values = [Float](repeating: 0, count: positions * channels)
        for (position, scale) in scales.enumerated() {
            for channel in 0..<channels {
                values[position * channels + channel] = Float(codes[codes.startIndex + channel * positions + position]) * scale
            }
        }
        return values
    }
}
