import Foundation
import Optvis
import Tensor
import XCTest

/// Random tensors for tests, from a seeded generator.
func randomTensor(_ shape: [Int], sd: Float = 1, mean: Float = 0, using generator: inout SeededGenerator) throws -> Tensor {
    try Tensor(shape: shape, values: generator.normal(count: shape.reduce(1, *), sd: sd).map { $0 + mean })
}

/// sum_i a_i b_i in Double.
func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Checks a vector-Jacobian product against central finite differences of L(x) = <cotangent, f(x)>,
/// computed in Double from f's Float outputs, at every coordinate of `x` (or at `coordinates`).
///
/// The error of a central difference is about h^2 |f'''| / 6 (truncation) plus eps_f |L| / h
/// (Float rounding of f's outputs, eps_f ~ 6e-8); `tolerance` is relative to the largest gradient
/// component, and callers pick h and tolerance for their function (see each test).
func checkGradient(
    at x: [Float], step h: Float, tolerance: Double,
    _ function: ([Float]) throws -> [Float],
    cotangent: [Float], analytic: [Float], coordinates: [Int]? = nil, label: String = "",
    file: StaticString = #filePath, line: UInt = #line
) throws {
    XCTAssertEqual(analytic.count, x.count, "gradient size \(label)", file: file, line: line)
    let checked = coordinates ?? Array(x.indices)
    var numeric = [Double](repeating: 0, count: x.count)
    var shifted = x
    for i in checked {
        shifted[i] = x[i] + h
        let plus = dot(cotangent, try function(shifted))
        shifted[i] = x[i] - h
        let minus = dot(cotangent, try function(shifted))
        shifted[i] = x[i]
        // The step actually taken, after Float rounding of x +- h.
        numeric[i] = (plus - minus) / (Double(x[i] + h) - Double(x[i] - h))
    }
    let scale = max(checked.map { abs(numeric[$0]) }.max() ?? 0, 1e-12)
    let worst = checked.map { abs(numeric[$0] - Double(analytic[$0])) }.max() ?? 0
    XCTAssertLessThan(worst / scale, tolerance, "\(label): largest finite-difference mismatch \(worst) for gradients of size \(scale)",
                      file: file, line: line)
    XCTAssertGreaterThan(scale, 1e-6, "\(label): the gradient checked is not all zero", file: file, line: line)
}

/// Runs a python3 script with numpy, passing `arrays` as raw little-endian float32 files
/// (`arg0.bin`, ...) in a temporary folder given as argv[1]; returns the float32 values the
/// script writes to `out.bin` there.
func runNumpy(_ script: String, arrays: [[Float]]) throws -> [Float] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("optvis-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for (i, array) in arrays.enumerated() {
        try array.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: folder.appendingPathComponent("arg\(i).bin"))
    }
    let scriptFile = folder.appendingPathComponent("script.py")
    try script.write(to: scriptFile, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", scriptFile.path, folder.path]
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    process.waitUntilExit()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard process.terminationStatus == 0 else { throw OptvisError("numpy reference failed: \(message)") }
    let data = try Data(contentsOf: folder.appendingPathComponent("out.bin"))
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

/// `count` distinct coordinates below `size`, drawn from `generator`.
func sampleCoordinates(_ count: Int, of size: Int, using generator: inout SeededGenerator) -> [Int] {
    var chosen = Set<Int>()
    while chosen.count < min(count, size) { chosen.insert(generator.index(below: size)) }
    return chosen.sorted()
}
