import CDNNL

/// Throws a `TensorError` naming the oneDNN call and what it was for, unless `status` is success.
func check(_ status: dnnl_status_t, _ call: String, for purpose: @autoclosure () -> String) throws(TensorError) {
    guard status != dnnl_success else { return }
    let reason = dnnl_status2str(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
    throw TensorError("oneDNN \(call) failed (\(reason)) for \(purpose())")
}

/// The CPU engine. oneDNN engines are immutable once created and documented as safe to share
/// between threads, hence `@unchecked Sendable`.
final class Engine: @unchecked Sendable {
    let handle: dnnl_engine_t

    private init() throws(TensorError) {
        var handle: dnnl_engine_t?
        try check(dnnl_engine_create(&handle, dnnl_cpu, 0), "dnnl_engine_create", for: "the CPU engine")
        self.handle = handle!
    }

    deinit { dnnl_engine_destroy(handle) }

    private static let shared = Result<Engine, TensorError> { () throws(TensorError) in try Engine() }

    /// The process-wide CPU engine.
    static func cpu() throws -> Engine { try shared.get() }
}

/// An in-order execution stream on the CPU engine; one per executor (streams are not shared
/// between threads).
final class Stream {
    let handle: dnnl_stream_t
    let engine: Engine

    init(engine: Engine) throws {
        var handle: dnnl_stream_t?
        try check(dnnl_stream_create(&handle, engine.handle, dnnl_stream_default_flags.rawValue), "dnnl_stream_create",
                  for: "an execution stream")
        self.handle = handle!
        self.engine = engine
    }

    deinit { dnnl_stream_destroy(handle) }

    func wait() throws {
        try check(dnnl_stream_wait(handle), "dnnl_stream_wait", for: "the end of a forward pass")
    }
}
