import Foundation
import TestSupport

/// A W3C WebDriver client for Debian's chromedriver and a headless Chromium: enough to load a
/// page, run scripts in it, move and click the pointer, and read the browser's console.
final class WebDriver {
    let driver: Process
    let base: String
    private(set) var session = ""

    /// Starts chromedriver on a free port and a headless Chromium at 1280x800 that downloads into
    /// `downloads`.
    init(downloads: String) throws {
        for path in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: path) {
            throw TestFailure("\(path) is missing: scripts/setup installs Debian's chromium and chromium-driver")
        }
        let port = try Self.freePort()
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: "/usr/bin/chromedriver")
        driver.arguments = ["--port=\(port)"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        base = "http://127.0.0.1:\(port)"
        let deadline = Date().addingTimeInterval(20)
        while true {
            do {
                _ = try request("GET", "/status")
                break
            } catch {
                guard Date() < deadline else { throw TestFailure("chromedriver did not answer on port \(port) within 20 s: \(error)") }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        let options: [String: Any] = [
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800"],
            "prefs": ["download.default_directory": downloads, "download.prompt_for_download": false],
        ]
        let answer = try request("POST", "/session", ["capabilities": ["alwaysMatch": [
            "browserName": "chrome", "goog:chromeOptions": options, "goog:loggingPrefs": ["browser": "ALL"]]]])
        guard let value = answer as? [String: Any], let id = value["sessionId"] as? String else {
            throw TestFailure("chromedriver gave no session: \(String(describing: answer))")
        }
        session = id
    }

    deinit {
        if !session.isEmpty { _ = try? request("DELETE", "/session/\(session)") }
        driver.terminate()
        driver.waitUntilExit()
    }

    func open(_ url: String) throws {
        _ = try request("POST", "/session/\(session)/url", ["url": url])
    }

    /// Runs `script` (a function body; `arguments[0]...` are `arguments`) and returns its value.
    @discardableResult
    func run(_ script: String, _ arguments: [Any] = []) throws -> Any? {
        try request("POST", "/session/\(session)/execute/sync", ["script": script, "args": arguments])
    }

    /// Runs `script` as an async function body and returns what it resolves to.
    @discardableResult
    func await(_ script: String, _ arguments: [Any] = []) throws -> Any? {
        let body = "const done = arguments[arguments.length - 1]; (async () => { \(script) })().then(done, e => done({error: String(e)}));"
        return try request("POST", "/session/\(session)/execute/async", ["script": body, "args": arguments])
    }

    /// Waits until `script` returns true (at most `seconds`), failing with `what`.
    func wait(_ what: String, seconds: Double = 30, _ script: String) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try run(script) as? Bool != true {
            guard Date() < deadline else { throw TestFailure("waited \(Int(seconds)) s for \(what)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Moves the pointer to (x, y) in the viewport; with `click`, presses and releases it there.
    func pointer(to point: (x: Double, y: Double), click: Bool = false) throws {
        var actions: [[String: Any]] = [["type": "pointerMove", "duration": 50, "origin": "viewport",
                                         "x": Int(point.x.rounded()), "y": Int(point.y.rounded())]]
        if click { actions += [["type": "pointerDown", "button": 0], ["type": "pointerUp", "button": 0]] }
        _ = try request("POST", "/session/\(session)/actions", ["actions": [
            ["type": "pointer", "id": "mouse", "parameters": ["pointerType": "mouse"], "actions": actions]]])
    }

    /// Clicks the first element matching `selector` (scrolled into view).
    func click(_ selector: String) throws {
        let found = try request("POST", "/session/\(session)/element", ["using": "css selector", "value": selector])
        guard let element = (found as? [String: Any])?.values.first as? String else { throw TestFailure("no element \(selector)") }
        _ = try request("POST", "/session/\(session)/element/\(element)/click", [:])
    }

    /// Sets the file input `selector` to the local file `path` (as a user picking it would).
    func upload(_ path: String, to selector: String) throws {
        let found = try request("POST", "/session/\(session)/element", ["using": "css selector", "value": selector])
        guard let element = (found as? [String: Any])?.values.first as? String else { throw TestFailure("no element \(selector)") }
        _ = try request("POST", "/session/\(session)/element/\(element)/value", ["text": path])
    }

    /// A PNG of the viewport.
    func screenshot() throws -> Data {
        guard let text = try request("GET", "/session/\(session)/screenshot") as? String, let data = Data(base64Encoded: text) else {
            throw TestFailure("no screenshot")
        }
        return data
    }

    /// The browser console's messages at `level` (SEVERE for errors) since the last call.
    func console(level: String = "SEVERE") throws -> [String] {
        let entries = try request("POST", "/session/\(session)/se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.filter { $0["level"] as? String == level }.compactMap { $0["message"] as? String }
    }

    /// One WebDriver command: its `value`, or its error as a `TestFailure`.
    @discardableResult
    private func request(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        let data = try LocalHTTP.exchange(method: method, url: base + path,
                                          body: try body.map { try JSONSerialization.data(withJSONObject: $0) })
        let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        let value = (object as? [String: Any])?["value"]
        if let failure = value as? [String: Any], let error = failure["error"] as? String {
            throw TestFailure("WebDriver \(method) \(path): \(error): \(failure["message"] as? String ?? "")")
        }
        return value is NSNull ? nil : value
    }

    /// A TCP port nobody listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// HTTP/1.1 to a server on this machine over a plain socket, one request per connection.
/// (FoundationNetworking's URLSession fails on chromedriver's answers: "Failed writing header".)
enum LocalHTTP {
    /// The body of the answer to `method url` (http://127.0.0.1:PORT/PATH) with `body` as JSON.
    static func exchange(method: String, url: String, body: Data?) throws -> Data {
        guard let parsed = URL(string: url), let port = parsed.port else { throw TestFailure("not a local URL: \(url)") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw TestFailure("cannot connect to \(url): errno \(errno)") }
        let target = parsed.path + (parsed.query.map { "?" + $0 } ?? "")
        var request = Data(("\(method) \(target.isEmpty ? "/" : target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
            + (body == nil ? "" : "Content-Type: application/json\r\nContent-Length: \(body!.count)\r\n") + "\r\n").utf8)
        request += body ?? Data()
        try request.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let n = send(fd, bytes.baseAddress! + sent, bytes.count - sent, 0)
                guard n > 0 else { throw TestFailure("cannot send to \(url): errno \(errno)") }
                sent += n
            }
        }
        // The answer ends at its Content-Length, at the last chunk, or when the server closes.
        var timeout = timeval(tv_sec: 180, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var answer = Data(), buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let split = answer.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: answer[..<split.lowerBound], as: UTF8.self).lowercased()
                let payload = Data(answer[split.upperBound...])
                if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                   let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) {
                    if payload.count >= length { return payload.prefix(length) }
                } else if head.contains("transfer-encoding: chunked") {
                    if payload.range(of: Data("0\r\n\r\n".utf8)) != nil { return try dechunk(payload) }
                }
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n >= 0 else { throw TestFailure("cannot read from \(url): errno \(errno)") }
            if n == 0 { break }
            answer.append(contentsOf: buffer[0..<n])
        }
        guard let split = answer.range(of: Data("\r\n\r\n".utf8)) else { throw TestFailure("no HTTP answer from \(url)") }
        return Data(answer[split.upperBound...])
    }

    /// The body of a chunked transfer.
    static func dechunk(_ data: Data) throws -> Data {
        var output = Data(), rest = data[...]
        while let line = rest.range(of: Data("\r\n".utf8)) {
            guard let size = Int(String(decoding: rest[..<line.lowerBound], as: UTF8.self).split(separator: ";")[0], radix: 16) else {
                throw TestFailure("a bad chunk size")
            }
            if size == 0 { break }
            let start = line.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size + 2 else { throw TestFailure("a cut chunk") }
            output += rest[start..<rest.index(start, offsetBy: size)]
            rest = rest[rest.index(start, offsetBy: size + 2)...]
        }
        return output
    }
}
