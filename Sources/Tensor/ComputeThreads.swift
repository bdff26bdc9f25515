import CDNNL

/// The number of threads oneDNN's kernels run on: OpenMP's thread count, which applies to the
/// thread that sets it and the threads it starts later.
public enum ComputeThreads {
    /// Sets the thread count, on the thread that will run the executors, before it runs them:
    /// oneDNN specialises its primitives for the thread count they are created under.
    public static func set(_ count: Int) throws {
        guard count > 0 else { throw TensorError("the thread count must be positive, got \(count)") }
        omp_set_num_threads(Int32(count))
    }

    /// The thread count in effect: the last `set`, else OMP_NUM_THREADS, else the number of cores.
    public static var count: Int { Int(omp_get_max_threads()) }
}
