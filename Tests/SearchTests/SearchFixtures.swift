import ArrayFiles
import Foundation
import Imaging
import Optvis
import Search

/// A grid source for tests: stride 8, 12 channels per cell (the mean of each colour over the
/// cell's four 4x4 quadrants, centred), a deterministic function of the pixels like a network's
/// layer. `failAfter` makes it throw after that many calls (a build killed mid-way).
final class PixelGridSource: ActivationGridSource {
    let origin: GridOrigin
    var calls = 0
    var failAfter: Int?

    init(layer: String = "pixels", failAfter: Int? = nil) {
        origin = GridOrigin(model: "pixel-test", weightsSHA256: String(repeating: "ab", count: 32), layer: layer, channels: 12, stride: 8)
        self.failAfter = failAfter
    }

    func grids(of images: [RGBImage], side: Int) throws -> [ActivationGrid] {
        calls += 1
        if let failAfter, calls > failAfter { throw SearchError("killed") }
        return try images.map { try Self.grid(of: $0) }
    }

    static func grid(of image: RGBImage) throws -> ActivationGrid {
        let rows = image.height / 8, columns = image.width / 8
        var values: [Float] = []
        for row in 0..<rows {
            for column in 0..<columns {
                for quadrant in 0..<4 {
                    for channel in 0..<3 {
                        var sum: Float = 0
                        for y in 0..<4 {
                            for x in 0..<4 {
                                let py = row * 8 + quadrant / 2 * 4 + y, px = column * 8 + quadrant % 2 * 4 + x
                                sum += Float(image.pixels[(py * image.width + px) * 3 + channel])
                            }
                        }
                        values.append(sum / 16 - 127.5)
                    }
                }
            }
        }
        return try ActivationGrid(channels: 12, rows: rows, columns: columns, values: values)
    }
}

/// Random photos.
enum SearchFixtures {
    /// A photo of random 4x4-pixel blocks (so every grid cell differs), written as PNG.
    static func writeRandomPhoto(to path: String, width: Int, height: Int, seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let blocksWide = (width + 3) / 4
        let colours = (0..<(blocksWide * ((height + 3) / 4) * 3)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 { pixels[(y * width + x) * 3 + c] = colours[((y / 4) * blocksWide + x / 4) * 3 + c] }
            }
        }
        try RGBImage(width: width, height: height, pixels: pixels).writePNG(to: path)
    }
}
