import Foundation
import Imaging
import TestSupport
import XCTest

/// Pillow is the independent reference these tests compare against.
enum PythonReference {
    /// Runs a Pillow script with arguments and returns what it printed.
    static func run(_ script: String, _ arguments: [String]) throws -> String {
        String(decoding: try Python.run(script, arguments), as: UTF8.self)
    }

    /// The raw RGB bytes that a reference script wrote to `path`.
    static func rawImage(_ path: String, width: Int, height: Int) throws -> RGBImage {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count == width * height * 3 else {
            throw TestFailure("\(path): \(bytes.count) bytes for \(width) x \(height)")
        }
        return RGBImage(width: width, height: height, pixels: bytes)
    }
}

/// The largest per-channel difference between two images of the same size (Int.max if the
/// sizes differ).
func maxAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
    guard a.width == b.width, a.height == b.height else { return Int.max }
    return zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
}
