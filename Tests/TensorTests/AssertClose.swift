import Tensor
import XCTest

/// Fails unless the tensors have the same shape and every value is within `tolerance` (absolute,
/// or relative to the value's size when that is larger).
func assertClose(_ actual: Tensor, _ expected: Tensor, tolerance: Float = 1e-5, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "\(what): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    var worst: (error: Float, index: Int) = (0, 0)
    for (index, (a, e)) in zip(actual.values, expected.values).enumerated() {
        let error = abs(a - e) / max(1, abs(e))
        if !(error <= worst.error) { worst = (error, index) }
    }
    XCTAssertLessThanOrEqual(worst.error, tolerance,
                             "\(what): value \(worst.index) is \(actual.values[worst.index]), expected \(expected.values[worst.index])",
                             file: file, line: line)
}
