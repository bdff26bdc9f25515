import Foundation
import Imaging
import XCTest

/// Pillow (through python3) is the independent reference these tests compare against.
enum PythonReference {
    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// scikit-image's photos, put there by scripts/setup.
    static let photos = repositoryRoot + "/.deps/photos/skimage"

    /// Runs a python3 script with arguments and returns what it printed; a failure carries
    /// its stderr.
    static func run(_ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaints = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReferenceError(description: "python3 failed: " + String(decoding: complaints, as: UTF8.self))
        }
        return String(decoding: printed, as: UTF8.self)
    }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The raw RGB bytes that a reference script wrote to `path`.
    static func rawImage(_ path: String, width: Int, height: Int) throws -> RGBImage {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count == width * height * 3 else {
            throw ReferenceError(description: "\(path): \(bytes.count) bytes for \(width) x \(height)")
        }
        return RGBImage(width: width, height: height, pixels: bytes)
    }
}

struct ReferenceError: Error, CustomStringConvertible {
    let description: String
}

/// The largest per-channel difference between two images of the same size (Int.max if the
/// sizes differ).
func maxAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
    guard a.width == b.width, a.height == b.height else { return Int.max }
    return zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
}
