import Foundation

/// Sends one HTTP request with any method and an in-memory body through libcurl, for clients
/// that need a CA file or a client certificate, which FoundationNetworking cannot set.
///
/// Redirects are never followed, only `http` and `https` are allowed, and the response body is
/// capped at `Options.maximumResponseBytes`. libcurl verifies the server certificate and host
/// name with its defaults (`CURLOPT_SSL_VERIFYPEER` 1, `CURLOPT_SSL_VERIFYHOST` 2).
public final class CurlRequest: CurlResponseReceiver, @unchecked Sendable {
    /// Limits, TLS files and proxy use of one request.
    public struct Options: Sendable {
        public var tls: TLSFiles
        /// Seconds allowed for connecting, and for a stall of less than 1 byte/s in either direction.
        public var idleTimeout: TimeInterval
        /// Seconds allowed for the whole request, response included.
        public var totalTimeout: TimeInterval
        /// The largest response body accepted, in bytes.
        public var maximumResponseBytes: Int
        /// Lets libcurl use the `http_proxy`, `https_proxy` and `all_proxy` environment variables.
        public var useEnvironmentProxy: Bool

        public init(
            tls: TLSFiles = TLSFiles(), idleTimeout: TimeInterval = 30, totalTimeout: TimeInterval = 120,
            maximumResponseBytes: Int = 1 << 20, useEnvironmentProxy: Bool = false
        ) {
            self.tls = tls
            self.idleTimeout = idleTimeout
            self.totalTimeout = totalTimeout
            self.maximumResponseBytes = maximumResponseBytes
            self.useEnvironmentProxy = useEnvironmentProxy
        }
    }

    /// A response as received: status, header fields with lower-case names, and body.
    public struct Response: Sendable {
        public var statusCode: Int
        public var headers: [String: String]
        public var body: Data
    }

    let method: String
    let url: URL
    let headers: [String: String]
    let options: Options
    /// A copy of the request body that libcurl reads from. It has at least 1 byte, so the pointer
    /// is never null: with a null `CURLOPT_POSTFIELDS`, libcurl reads the body through its read
    /// callback, which reads stdin by default.
    private let bodyBuffer: UnsafeMutableRawBufferPointer?
    private let bodyCount: Int

    private let lock = NSLock()
    private var received = Data()
    private var responseHeaders: [String: String] = [:]
    private var responseStarted = false
    private var tooLarge = false
    private var cancelled = false

    private init(method: String, url: URL, headers: [String: String], body: Data?, options: Options) {
        self.method = method.uppercased()
        self.url = url
        self.headers = headers
        self.options = options
        if let body {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, body.count), alignment: 1)
            body.copyBytes(to: buffer.bindMemory(to: UInt8.self), count: body.count)
            bodyBuffer = buffer
            bodyCount = body.count
        } else {
            bodyBuffer = nil
            bodyCount = 0
        }
    }

    deinit {
        bodyBuffer?.deallocate()
    }

    /// Sends the request on its own thread, since `curl_easy_perform` blocks, and returns the
    /// response whatever its status, or the classified failure. Cancelling the task aborts it.
    public static func send(
        _ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil, options: Options = Options()
    ) async -> Result<Response, CurlRequestFailure> {
        let request = CurlRequest(method: method, url: url, headers: headers, body: body, options: options)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread { continuation.resume(returning: request.perform()) }
                thread.name = "waka-diag.curl-request"
                thread.start()
            }
        } onCancel: {
            request.cancel()
        }
    }

    private func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    private func perform() -> Result<Response, CurlRequestFailure> {
        let library: CurlLibrary
        switch CurlLibrary.shared() {
        case .success(let loaded): library = loaded
        case .failure(let error): return .failure(CurlRequestFailure(.libraryUnavailable, message: error.reason))
        }
        guard let easy = CurlEasyHandle(library: library) else {
            return .failure(CurlRequestFailure(.libraryUnavailable, message: "curl_easy_init failed"))
        }
        guard configure(easy) else {
            return .failure(CurlRequestFailure(.invalidOption, message: "libcurl rejected a request option for \(method) \(url.path)"))
        }

        let code = easy.perform()
        lock.lock()
        let body = received
        let fields = responseHeaders
        let started = responseStarted
        let overLimit = tooLarge
        let wasCancelled = cancelled
        lock.unlock()

        if overLimit {
            return .failure(
                CurlRequestFailure(.responseTooLarge, message: "the response is larger than \(options.maximumResponseBytes) bytes"))
        }
        if wasCancelled {
            return .failure(CurlRequestFailure(.cancelled, message: "cancelled before the response was complete"))
        }
        guard code == CurlCode.ok else {
            return .failure(CurlRequestFailure.classify(code, message: easy.errorText(code), responseStarted: started))
        }
        return .success(Response(statusCode: easy.responseCode(), headers: fields, body: body))
    }

    private func configure(_ easy: CurlEasyHandle) -> Bool {
        var ok = easy.set(CurlOption.url, url.withoutUserInfo.absoluteString)
        ok = ok && easy.set(CurlOption.protocols, CurlOption.httpAndHTTPS)
        ok = ok && easy.set(CurlOption.followLocation, 0)
        ok = ok && easy.set(CurlOption.noSignal, 1)
        ok = ok && easy.set(CurlOption.errorBuffer, pointer: UnsafeRawPointer(easy.errorBuffer))
        ok = ok && easy.set(CurlOption.timeoutMilliseconds, Int(options.totalTimeout * 1000))
        ok = ok && easy.set(CurlOption.connectTimeoutMilliseconds, Int(options.idleTimeout * 1000))
        ok = ok && easy.set(CurlOption.lowSpeedLimit, 1)
        ok = ok && easy.set(CurlOption.lowSpeedTime, max(1, Int(options.idleTimeout.rounded(.up))))
        ok = ok && easy.setTLS(options.tls, useEnvironmentProxy: options.useEnvironmentProxy)
        ok = ok && configureMethod(easy)

        // An empty `Expect:` stops libcurl from waiting for `100 Continue` before a large body.
        var fields = headers
        fields["Expect"] = ""
        ok = ok && easy.setHeaders(fields)

        ok = ok && easy.setReceiver(self)
        return ok
    }

    /// Sets the method: GET and HEAD by their own options, any method with a body through
    /// `CURLOPT_POSTFIELDS`, and the method name through `CURLOPT_CUSTOMREQUEST` unless it is POST.
    private func configureMethod(_ easy: CurlEasyHandle) -> Bool {
        var ok = true
        if let bodyBuffer {
            ok = ok && easy.set(CurlOption.postFieldSizeLarge, bodyCount)
            ok = ok && easy.set(CurlOption.postFields, pointer: UnsafeRawPointer(bodyBuffer.baseAddress))
            if method != "POST" { ok = ok && easy.set(CurlOption.customRequest, method) }
            return ok
        }
        switch method {
        case "GET": return easy.set(CurlOption.httpGet, 1)
        case "HEAD": return easy.set(CurlOption.noBody, 1)
        default: return easy.set(CurlOption.customRequest, method)
        }
    }

    // MARK: CurlResponseReceiver, on the request's thread

    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard received.count + bytes.count <= options.maximumResponseBytes else {
            tooLarge = true
            return false
        }
        received.append(contentsOf: bytes)
        return true
    }

    func receiveHeaderLine(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        if CurlHeaderLine.isStatusLine(line) {
            responseStarted = true
            responseHeaders = [:]
            received = Data()
        } else if let field = CurlHeaderLine.field(line) {
            responseHeaders[field.name] = field.value
        }
    }

    func shouldAbort() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}

extension CurlOption {
    static let postFields: Int32 = 10015
    static let customRequest: Int32 = 10036
    static let noBody: Int32 = 44
    static let postFieldSizeLarge: Int32 = 30120
}
