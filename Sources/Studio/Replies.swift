import Foundation
import Hummingbird

/// An answer other than success: a status and one message, sent as `{"error": message}`.
public struct StudioError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let description: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        (self.status, self.description) = (status, message)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try Reply.json(["error": description], status: status)
    }

    static func notFound(_ what: String) -> StudioError { StudioError(.notFound, "no \(what) here") }
}

/// The shapes of the studio's answers.
enum Reply {
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        bytes(try jsonData(value), type: "application/json", status: status, cache: false)
    }

    /// The studio's JSON: keys sorted, URLs' slashes unescaped.
    static func jsonData(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// `data` as the body; `cache` lets the browser keep files that never change (icons, the page).
    static func bytes(_ data: Data, type: String, status: HTTPResponse.Status = .ok, cache: Bool) -> Response {
        var headers: HTTPFields = [.contentType: type]
        headers[.cacheControl] = cache ? "max-age=3600" : "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func png(_ data: Data, cache: Bool = true) -> Response { bytes(data, type: "image/png", cache: cache) }
}

/// Runs blocking work (reading files, decoding photos, scoring an index) on Dispatch's threads,
/// not on the few threads that serve requests.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// A value made once, on first use, and shared.
final class Memo<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `values` is only read or written while `lock` is held.
    private let lock = NSLock()
    private var values: [Key: Value] = [:]

    /// The value for `key`, made by `make` the first time (with the lock held, so it is made once).
    func value(_ key: Key, make: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let value = values[key] { return value }
        let value = try make()
        values[key] = value
        return value
    }
}
