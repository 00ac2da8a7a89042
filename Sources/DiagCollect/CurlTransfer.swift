import Foundation

/// Sends one GET request with libcurl directly and enforces its limits: idle timeout, hard
/// deadline, response size limit and redirect count.
///
/// libcurl rather than URLSession, because FoundationNetworking on Linux can set neither a CA
/// file nor a client certificate, and because its URLSession spins a processor core while it
/// waits for a server that accepted the connection but does not respond (measured: 4.7 CPU
/// seconds in a 5-second wait; this transfer uses 0.1).
final class CurlTransfer: CurlResponseReceiver, @unchecked Sendable {
    let endpoint: String
    let url: URL
    let deadline: Date
    let configuration: HTTPClientConfiguration
    let headers: [String: String]

    private let lock = NSLock()
    private var body = Data()
    private var responseHeaders: [String: String] = [:]
    private var lastActivity = Date()
    private var abortReason: HTTPFailure?
    private var cancelled = false
    /// True once a status line arrived, so a later failure happened mid-response.
    private var responseStarted = false

    init(endpoint: String, url: URL, deadline: Date, configuration: HTTPClientConfiguration, headers: [String: String]) {
        self.endpoint = endpoint
        self.url = url
        self.deadline = deadline
        self.configuration = configuration
        self.headers = headers
    }

    /// Runs the transfer on its own thread, since `curl_easy_perform` blocks, and returns its outcome.
    func run() async -> Result<HTTPClient.Response, HTTPFailure> {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread { [self] in continuation.resume(returning: perform()) }
                thread.name = "waka-diag.curl"
                thread.start()
            }
        } onCancel: {
            lock.lock()
            cancelled = true
            lock.unlock()
        }
    }

    private func fail(_ status: SourceStatus, _ reason: String) -> Result<HTTPClient.Response, HTTPFailure> {
        .failure(HTTPFailure(status, endpoint: endpoint, reason: reason))
    }

    private func perform() -> Result<HTTPClient.Response, HTTPFailure> {
        let library: CurlLibrary
        switch CurlLibrary.shared() {
        case .success(let loaded): library = loaded
        case .failure(let error): return fail(.unreachable, "HTTP requests need libcurl: \(error.reason)")
        }
        guard let easy = CurlEasyHandle(library: library) else { return fail(.unreachable, "curl_easy_init failed") }
        guard configure(easy) else {
            return fail(.unreachable, "libcurl rejected a request option; check ca_file, client_cert_file and client_key_file")
        }

        let code = easy.perform()
        lock.lock()
        let aborted = abortReason
        let received = body
        let fields = responseHeaders
        let started = responseStarted
        lock.unlock()

        if let aborted { return .failure(aborted) }
        guard code == CurlCode.ok else {
            return .failure(classify(code, message: easy.errorText(code), responseStarted: started))
        }
        return .success(HTTPClient.Response(statusCode: easy.responseCode(), headers: fields, body: received))
    }

    private func configure(_ easy: CurlEasyHandle) -> Bool {
        let remaining = max(1, Int(deadline.timeIntervalSinceNow * 1000))
        var ok = easy.set(CurlOption.url, url.withoutUserInfo.absoluteString)
        ok = ok && easy.set(CurlOption.httpGet, 1)
        ok = ok && easy.set(CurlOption.protocols, CurlOption.httpAndHTTPS)
        ok = ok && easy.set(CurlOption.redirectProtocols, CurlOption.httpAndHTTPS)
        ok = ok && easy.set(CurlOption.followLocation, 1)
        ok = ok && easy.set(CurlOption.maximumRedirects, configuration.maximumRedirects)
        ok = ok && easy.set(CurlOption.noSignal, 1)
        ok = ok && easy.set(CurlOption.acceptEncoding, "")
        ok = ok && easy.set(CurlOption.errorBuffer, pointer: UnsafeRawPointer(easy.errorBuffer))
        // The watchdog in the progress callback enforces both limits; these are libcurl's backups.
        ok = ok && easy.set(CurlOption.timeoutMilliseconds, remaining + 500)
        ok = ok && easy.set(CurlOption.connectTimeoutMilliseconds, min(remaining, Int(configuration.requestTimeout * 1000)) + 500)
        ok = ok && easy.set(CurlOption.lowSpeedLimit, 1)
        ok = ok && easy.set(CurlOption.lowSpeedTime, max(1, Int(configuration.requestTimeout.rounded(.up)) + 1))
        ok = ok && easy.setTLS(configuration.tls, useEnvironmentProxy: configuration.useEnvironmentProxy)
        ok = ok && easy.setHeaders(headers)
        ok = ok && easy.setReceiver(self)
        return ok
    }

    // MARK: CurlResponseReceiver, on the transfer's thread

    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        lastActivity = Date()
        guard body.count + bytes.count <= configuration.maximumResponseBytes else {
            abortReason = abortReason ?? HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "response too large: it exceeds the limit of \(HTTPFailure.byteCount(configuration.maximumResponseBytes)); narrow the request or raise the size limit")
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    func receiveHeaderLine(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        lastActivity = Date()
        if CurlHeaderLine.isStatusLine(line) {
            responseStarted = true
            responseHeaders = [:]
            body = Data()
        } else if let field = CurlHeaderLine.field(line) {
            responseHeaders[field.name] = field.value
        }
    }

    func shouldAbort() -> Bool {
        let now = Date()
        lock.lock()
        defer { lock.unlock() }
        if abortReason != nil { return true }
        if cancelled {
            abortReason = HTTPFailure(.timedOut, endpoint: endpoint, reason: "cancelled before the response was complete")
        } else if now >= deadline {
            abortReason = HTTPFailure(
                .timedOut, endpoint: endpoint,
                reason: "timed out: the source's collection deadline passed before the response was complete")
        } else if now.timeIntervalSince(lastActivity) >= configuration.requestTimeout {
            abortReason = HTTPFailure(
                .timedOut, endpoint: endpoint,
                reason: "timed out: no data received for \(HTTPFailure.seconds(configuration.requestTimeout)) s; raise the source's timeout if the server is slow")
        }
        return abortReason != nil
    }
}
