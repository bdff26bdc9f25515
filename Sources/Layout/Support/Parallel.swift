import Dispatch
import Foundation

/// How many workers the parallel loops use: the machine's active cores.
let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Runs `body(part)` for every part in 0..<parts, concurrently where there is more than one,
/// and returns when all are done. Callers give each part its own memory to write (disjoint
/// rows, ranges or buffers) and keep results independent of which thread runs which part.
func parallelFor(_ parts: Int, _ body: (Int) -> Void) {
    if parts <= 1 {
        if parts == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let shared = PartitionedWork(body: body)
        DispatchQueue.concurrentPerform(iterations: parts) { shared.body($0) }
    }
}

/// The body of a `parallelFor`. Unchecked because the body captures unsafe pointers; it is
/// sound because every caller writes only memory that belongs to its own part, and
/// concurrentPerform returns before `withoutActuallyEscaping` ends the closure's lifetime.
private struct PartitionedWork: @unchecked Sendable {
    let body: (Int) -> Void
}

/// The `part`-th of `parts` nearly equal contiguous slices of 0..<count.
func slice(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
    (count * part / parts)..<(count * (part + 1) / parts)
}
