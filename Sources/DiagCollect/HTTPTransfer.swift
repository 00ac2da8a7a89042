import Dispatch
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The mutable state of one request: the body so far, its limits and the single continuation
/// that receives the outcome.
///
/// URLSession's delegate queue, the watchdog timer and Swift task cancellation all touch it, so
/// every field is guarded by `lock`.
final class HTTPTransfer: @unchecked Sendable {
    typealias Outcome = Result<HTTPClient.Response, HTTPFailure>

    /// Seconds between an abort and forcing the outcome, in case URLSession never reports the
    /// cancelled task as complete.
    static let abortGrace: TimeInterval = 0.5

    let endpoint: String
    let deadline: Date
    let requestTimeout: TimeInterval
    let maximumBytes: Int
    let maximumRedirects: Int
    let originalURL: URL

    private let lock = NSLock()
    private var body = Data()
    private var response: HTTPURLResponse?
    private var lastActivity = Date()
    private var redirects = 0
    /// Set when the server's authentication challenge was rejected, so the cancelled task
    /// ends as the 401 or 407 response it is.
    private var challengeRejected = false
    private var abortReason: HTTPFailure?
    private var abortedAt: Date?
    private var continuation: CheckedContinuation<Outcome, Never>?
    private var pendingOutcome: Outcome?
    private var finished = false
    private var task: URLSessionTask?
    private var timer: DispatchSourceTimer?

    init(endpoint: String, url: URL, deadline: Date, configuration: HTTPClientConfiguration) {
        self.endpoint = endpoint
        self.originalURL = url
        self.deadline = deadline
        self.requestTimeout = configuration.requestTimeout
        self.maximumBytes = configuration.maximumResponseBytes
        self.maximumRedirects = configuration.maximumRedirects
    }

    /// Starts `task` and the watchdog, and hands the outcome to `continuation` once known.
    func start(_ task: URLSessionTask, continuation: CheckedContinuation<Outcome, Never>, queue: DispatchQueue) {
        lock.lock()
        if let outcome = pendingOutcome {
            lock.unlock()
            continuation.resume(returning: outcome)
            return
        }
        self.continuation = continuation
        self.task = task
        lastActivity = Date()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.checkTimers() }
        self.timer = timer
        lock.unlock()

        timer.resume()
        task.resume()
    }

    // MARK: Events from URLSession

    func didReceive(response: URLResponse) {
        lock.lock()
        lastActivity = Date()
        self.response = response as? HTTPURLResponse
        let expected = response.expectedContentLength
        lock.unlock()

        if expected > Int64(maximumBytes) {
            abort(tooLarge())
        }
    }

    func didReceive(data: Data) {
        lock.lock()
        lastActivity = Date()
        guard abortReason == nil else {
            lock.unlock()
            return
        }
        let exceeds = body.count + data.count > maximumBytes
        if !exceeds { body.append(data) }
        lock.unlock()

        if exceeds { abort(tooLarge()) }
    }

    /// Counts a redirect and returns the request to follow, or nil to stop at the redirect.
    func willRedirect(to request: URLRequest) -> URLRequest? {
        lock.lock()
        redirects += 1
        lastActivity = Date()
        let count = redirects
        lock.unlock()

        guard count <= maximumRedirects else {
            let failure = HTTPFailure(
                .invalidResponse, endpoint: endpoint,
                reason: "redirect loop: more than \(maximumRedirects) redirects; check the base URL and any proxy in front of the server")
            recordAbort(failure)
            return nil
        }

        // Credentials go only to the origin they were configured for.
        var next = request
        if let target = request.url, !Self.sameOrigin(target, originalURL) {
            next.setValue(nil, forHTTPHeaderField: "Authorization")
        }
        return next
    }

    /// Records the response of an authentication challenge that the session delegate rejects.
    /// Credentials are sent up front in the `Authorization` header, so a challenge means
    /// they were rejected or missing, and no second attempt can succeed.
    func rejectChallenge(failureResponse: HTTPURLResponse) {
        lock.lock()
        lastActivity = Date()
        response = failureResponse
        challengeRejected = true
        lock.unlock()
    }

    func didComplete(error: Error?) {
        lock.lock()
        let aborted = abortReason
        let received = response
        let data = body
        let rejected = challengeRejected
        lock.unlock()

        if let aborted {
            finish(.failure(aborted))
            return
        }
        if let error, !(rejected && received != nil) {
            finish(.failure(HTTPFailure.classify(
                error, endpoint: endpoint, requestTimeout: requestTimeout, responseStarted: received != nil)))
            return
        }
        guard let received else {
            finish(.failure(HTTPFailure(.invalidResponse, endpoint: endpoint, reason: "the server sent no HTTP response")))
            return
        }
        var headers: [String: String] = [:]
        for (name, value) in received.allHeaderFields {
            headers[String(describing: name).lowercased()] = String(describing: value)
        }
        finish(.success(HTTPClient.Response(statusCode: received.statusCode, headers: headers, body: data)))
    }

    // MARK: Aborting

    /// Cancels the request; the first reason given is the one reported.
    func abort(_ failure: HTTPFailure) {
        recordAbort(failure)
        lock.lock()
        let task = self.task
        lock.unlock()
        task?.cancel()
    }

    private func recordAbort(_ failure: HTTPFailure) {
        lock.lock()
        if abortReason == nil {
            abortReason = failure
            abortedAt = Date()
        }
        let notStarted = continuation == nil && !finished
        lock.unlock()

        if notStarted { finish(.failure(failure)) }
    }

    private func checkTimers() {
        let now = Date()
        lock.lock()
        let done = finished
        let aborted = abortReason
        let abortTime = abortedAt
        let idle = now.timeIntervalSince(lastActivity)
        lock.unlock()

        guard !done else { return }
        if let aborted, let abortTime {
            if now.timeIntervalSince(abortTime) >= Self.abortGrace { finish(.failure(aborted)) }
            return
        }
        if now >= deadline {
            abort(HTTPFailure(
                .timedOut, endpoint: endpoint,
                reason: "timed out: the source's collection deadline passed before the response was complete"))
        } else if idle >= requestTimeout {
            abort(HTTPFailure(
                .timedOut, endpoint: endpoint,
                reason: "timed out: no data received for \(Self.seconds(requestTimeout)) s; raise the source's timeout if the server is slow"))
        }
    }

    private func finish(_ outcome: Outcome) {
        lock.lock()
        guard !finished else {
            lock.unlock()
            return
        }
        finished = true
        let continuation = self.continuation
        self.continuation = nil
        if continuation == nil { pendingOutcome = outcome }
        let timer = self.timer
        self.timer = nil
        lock.unlock()

        timer?.cancel()
        continuation?.resume(returning: outcome)
    }

    // MARK: Helpers

    private func tooLarge() -> HTTPFailure {
        HTTPFailure(
            .invalidResponse, endpoint: endpoint,
            reason: "response too large: it exceeds the limit of \(Self.byteCount(maximumBytes)); narrow the request or raise the size limit")
    }

    static func sameOrigin(_ first: URL, _ second: URL) -> Bool {
        first.scheme?.lowercased() == second.scheme?.lowercased()
            && first.host?.lowercased() == second.host?.lowercased()
            && effectivePort(first) == effectivePort(second)
    }

    private static func effectivePort(_ url: URL) -> Int? {
        url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
    }

    static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func byteCount(_ bytes: Int) -> String {
        if bytes >= 1024 * 1024, bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024)) MiB" }
        if bytes >= 1024, bytes % 1024 == 0 { return "\(bytes / 1024) KiB" }
        return "\(bytes) bytes"
    }
}
