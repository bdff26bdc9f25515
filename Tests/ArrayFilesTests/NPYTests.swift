import XCTest
import Foundation
@testable import ArrayFiles

final class NPYTests: XCTestCase {
    func testRoundTripThroughNumpy() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID())").path
        let path = dir + "/a.npy"
        let array = NPYArray(shape: [2, 3], values: [1, -2, 3.5, 4, 5, .pi])
        try NPY.write(array, to: path)
        XCTAssertEqual(try NPY.read(path), array)
        // numpy reads what we wrote, and we read what numpy writes (float64 and int too).
        let script = """
        import numpy as np, sys
        a = np.load(sys.argv[1]); assert a.dtype == np.float32 and a.shape == (2, 3), (a.dtype, a.shape)
        np.save(sys.argv[1] + '.f8.npy', a.astype(np.float64) * 2)
        np.save(sys.argv[1] + '.i8.npy', np.arange(5))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        try process.run(); process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(try NPY.read(path + ".f8.npy").values, array.values.map { $0 * 2 })
        XCTAssertEqual(try NPY.read(path + ".i8.npy"), NPYArray(shape: [5], values: [0, 1, 2, 3, 4]))
    }

    func testTruncatedFileIsAnError() throws {
        var data = NPY.encode(NPYArray(shape: [4, 4], values: Array(repeating: 1, count: 16)))
        data.removeLast(3)
        XCTAssertThrowsError(try NPY.decode(data, path: "x.npy")) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try NPY.decode(Data("hello world".utf8), path: "x.npy"))
    }
}
