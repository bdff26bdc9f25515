import CFFTW
import Foundation

/// FFTW single-precision plans for the 2-D real transforms of one size (height x width, width
/// even), created once per size and cached for the life of the process.
///
/// Plans use `FFTW_ESTIMATE` (no timing runs, so the same algorithm, and the same rounding, every
/// run: renders stay reproducible) and `FFTW_UNALIGNED` (so that they can be executed on any
/// Swift array through FFTW's new-array functions).
final class FourierPlans: @unchecked Sendable {
    // @unchecked Sendable: the two plans are never changed after creation, and FFTW documents its
    // execute functions (the new-array ones included) as thread-safe; only planning is not, and
    // `FourierPlans.cache` serialises that behind a lock.
    let height: Int
    let width: Int
    private let inverse: OpaquePointer
    private let forward: OpaquePointer

    /// Complex coefficients of a real transform of this size: height x (width / 2 + 1).
    var spectrumCount: Int { height * (width / 2 + 1) }

    private init(height: Int, width: Int) throws {
        (self.height, self.width) = (height, width)
        let real = fftwf_alloc_real(height * width)
        let complex = fftwf_alloc_complex(height * (width / 2 + 1))
        defer { fftwf_free(real); fftwf_free(complex) }
        let flags = UInt32(FFTW_ESTIMATE | FFTW_UNALIGNED)
        guard let inverse = fftwf_plan_dft_c2r_2d(Int32(height), Int32(width), complex, real, flags),
              let forward = fftwf_plan_dft_r2c_2d(Int32(height), Int32(width), real, complex, flags) else {
            throw OptvisError("FFTW could not plan a \(height)x\(width) real transform")
        }
        (self.inverse, self.forward) = (inverse, forward)
    }

    /// The plans for `height` x `width`, created on first use.
    static func plans(height: Int, width: Int) throws -> FourierPlans {
        try cache.plans(height: height, width: width)
    }

    private static let cache = Cache()

    private final class Cache: @unchecked Sendable {
        // @unchecked Sendable: `plans` is only read or written while `lock` is held.
        private let lock = NSLock()
        private var plans: [[Int]: FourierPlans] = [:]

        func plans(height: Int, width: Int) throws -> FourierPlans {
            lock.lock()
            defer { lock.unlock() }
            if let cached = plans[[height, width]] { return cached }
            let created = try FourierPlans(height: height, width: width)
            plans[[height, width]] = created
            return created
        }
    }

    /// Unnormalised inverse real transform: `spectrum` holds height x (width/2+1) interleaved
    /// (real, imaginary) pairs and is overwritten (FFTW's c2r destroys its input); `image`
    /// receives height x width values.
    func inverse(_ spectrum: UnsafeMutablePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        spectrum.withMemoryRebound(to: fftwf_complex.self, capacity: spectrumCount) {
            fftwf_execute_dft_c2r(inverse, $0, image)
        }
    }

    /// Unnormalised forward real transform of height x width values into height x (width/2+1)
    /// interleaved (real, imaginary) pairs.
    func forward(_ image: UnsafeMutablePointer<Float>, into spectrum: UnsafeMutablePointer<Float>) {
        spectrum.withMemoryRebound(to: fftwf_complex.self, capacity: spectrumCount) {
            fftwf_execute_dft_r2c(forward, image, $0)
        }
    }
}
