import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Settings of the whole process that the kernels need in place before they first run. The
/// command-line tools call `apply()` first thing.
public enum ProcessTuning {
    /// 1. OpenMP's waiting threads: libgomp's default spins up to 300,000 times before sleeping.
    ///    oneDNN runs hundreds of short parallel regions per optimisation step, and on a machine
    ///    whose cores are shared with other work those spinning threads starve the ones with work:
    ///    feature visualization measured 4 to 12 times slower on a busy 2-core machine (58% of the
    ///    time inside libgomp's spin loop). `GOMP_SPINCOUNT=10000`: a few microseconds of
    ///    spinning, then sleep. Not applied when the user set `OMP_WAIT_POLICY` themselves.
    /// 2. Large arrays: glibc serves big allocations with fresh `mmap`s, whose pages the kernel
    ///    zeroes on first touch; a render loop allocates the same large arrays every step (25% of
    ///    its time went on page faults and page clearing). Raised thresholds keep them in the heap.
    static let settings = [
        ("GOMP_SPINCOUNT", "10000"),
        ("MALLOC_MMAP_THRESHOLD_", "1073741824"),
        ("MALLOC_TRIM_THRESHOLD_", "2147483647"),
    ]

    /// libgomp and glibc read these settings once, when the process starts, so the process
    /// re-executes itself once with the ones the user has not set.
    public static func apply() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["ATLAS_PROCESS_TUNED"] == nil else { return }
        setenv("ATLAS_PROCESS_TUNED", "1", 1)
        for (name, value) in settings where environment[name] == nil {
            if name == "GOMP_SPINCOUNT" && environment["OMP_WAIT_POLICY"] != nil { continue }
            setenv(name, value, 1)
        }
        // On success execv does not return; on failure the process goes on untuned.
        _ = execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
