import Dispatch

/// `body(0..<count)` run concurrently, results in order. Each call must be independent of the
/// others: it may read shared data, and write only memory no other call touches (its own slots
/// of a shared buffer).
public func parallelMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
    guard count > 1 else { return (0..<count).map(body) }
    var results = [T?](repeating: nil, count: count)
    results.withUnsafeMutableBufferPointer { buffer in
        withoutActuallyEscaping(body) { body in
            let work = DisjointWrites(body: body, results: buffer)
            DispatchQueue.concurrentPerform(iterations: count) { work.results[$0] = work.body($0) }
        }
    }
    return results.map { $0! }
}

/// The closure and output of a `parallelMap`. Unchecked because it holds a mutable buffer and a
/// non-Sendable closure; sound because iteration i writes only element i, a body writes only
/// what no other iteration touches, and concurrentPerform returns before the buffer and the
/// closure go away.
private struct DisjointWrites<T>: @unchecked Sendable {
    let body: (Int) -> T
    let results: UnsafeMutableBufferPointer<T?>
}
