import TestSupport
import XCTest
import Foundation
@testable import ArrayFiles

final class NPYTests: XCTestCase {
    func testRoundTripThroughNumpy() throws {
        let dir = try TestFiles.temporaryFolder("npy", removedAfter: self)
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
        try Python.run(script, [path])
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

    /// A header whose shape overflows Int (a corrupt or hostile file) is an error, not a trap or
    /// a huge allocation.
    func testAShapeThatOverflowsIsAnError() throws {
        for shape in ["(99999999999, 99999999999)", "(4611686018427387904,)", "(3037000500, 3037000500, 2)"] {
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
            let data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
                            + Array(header.utf8) + [UInt8](repeating: 0, count: 16))
            XCTAssertThrowsError(try NPY.decode(data, path: "x.npy"), shape) { error in
                XCTAssertTrue(error is NPYError, "\(error)")
            }
        }
    }

    /// Mutated files (bytes replaced, inserted, removed, mostly in the header): each decodes or
    /// fails with an NPYError; nothing traps.
    func testMutatedFilesDecodeOrFailCleanly() {
        let valid = NPY.encode(NPYArray(shape: [3, 5], values: (0..<15).map(Float.init)))
        let pieces: [[UInt8]] = ["9", "-1", ",", "(", ")", "'", "{", "}", "<f8", "|b1", "99999999999", " ", "\n", "\u{0}"].map { Array($0.utf8) }
            + [[0xff], [0x93], [3], [2]]
        var seed: UInt64 = 0x6e7079
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        var (decoded, refused) = (0, 0)
        for _ in 0..<5000 {
            var bytes = [UInt8](valid)
            for _ in 0..<(1 + next(3)) {
                let at = next(80)  // the magic, version, length and header
                switch next(3) {
                case 0: bytes.insert(contentsOf: pieces[next(pieces.count)], at: min(at, bytes.count))
                case 1: if at < bytes.count { bytes.removeSubrange(at..<min(bytes.count, at + 1 + next(4))) }
                default: if at < bytes.count { bytes[at] = UInt8(next(256)) }
                }
            }
            do {
                _ = try NPY.decode(Data(bytes), path: "fuzz.npy")
                decoded += 1
            } catch is NPYError {
                refused += 1
            } catch {
                XCTFail("not an NPYError: \(error)")
            }
        }
        XCTAssertGreaterThan(refused, 0)
        print("mutated .npy files: \(decoded) decoded, \(refused) refused")
    }
}
