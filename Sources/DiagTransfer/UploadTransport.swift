import DiagSupport
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends the upload protocol's requests with one ephemeral URLSession that keeps no cookies,
/// cache or credentials and never follows a redirect.
final class UploadTransport: @unchecked Sendable {
    /// The largest response body read; receiver responses are small JSON documents.
    static let maximumResponseBytes = 1 << 20

    private let session: URLSession
    private let delegate = NoRedirectDelegate()

    init(requestTimeout: TimeInterval) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = requestTimeout * 4
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    /// Makes libcurl, which URLSession uses on Linux, bypass any proxy from the environment for
    /// loopback hosts, so a loopback upload never leaves the machine. Existing entries are kept.
    static func bypassProxiesForLoopback() {
        for name in ["no_proxy", "NO_PROXY"] {
            let current = ProcessInfo.processInfo.environment[name] ?? ""
            let missing = ["localhost", "127.0.0.1", "::1"].filter { !current.split(separator: ",").map(String.init).contains($0) }
            guard !missing.isEmpty else { continue }
            let value = ([current].filter { !$0.isEmpty } + missing).joined(separator: ",")
            setenv(name, value, 1)
        }
    }

    /// Sends one request and returns the status code and the body, whatever the status.
    func send(_ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil) async throws -> (Int, Data) {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = body
            if request.value(forHTTPHeaderField: "Content-Type") == nil {
                request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            }
        }

        let (data, response): (Data, URLResponse) = try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: TransferError.transferFailed(reason: "\(method) \(url.path): \(error.localizedDescription)"))
                } else if let response {
                    continuation.resume(returning: (data ?? Data(), response))
                } else {
                    continuation.resume(throwing: TransferError.transferFailed(reason: "\(method) \(url.path): no response"))
                }
            }
            task.resume()
        }
        guard let http = response as? HTTPURLResponse else {
            throw TransferError.transferFailed(reason: "\(method) \(url.path): the response is not HTTP")
        }
        if (300..<400).contains(http.statusCode) {
            throw TransferError.transferFailed(
                reason: "the receiver responded to \(method) \(url.path) with a redirect (HTTP \(http.statusCode)), which is not followed; check the --to URL")
        }
        guard data.count <= Self.maximumResponseBytes else {
            throw TransferError.transferFailed(reason: "the receiver's response to \(method) \(url.path) is larger than \(Self.maximumResponseBytes) bytes")
        }
        return (http.statusCode, data)
    }

    /// Sends a request and parses the JSON response. A non-2xx status becomes `rejectedByReceiver`
    /// with the receiver's error message, except for the statuses in `passing`.
    func sendJSON(
        _ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil, passing: Set<Int> = []
    ) async throws -> (Int, JSONValue) {
        let (status, data) = try await send(method, url, headers: headers, body: body)
        let value = try? JSONValue.parse(data)
        if (200..<300).contains(status) || passing.contains(status) {
            guard let value else {
                throw TransferError.transferFailed(reason: "the receiver's response to \(method) \(url.path) is not JSON; check that --to points at a waka-diag receiver")
            }
            return (status, value)
        }
        let message = value?["error"]?.stringValue ?? String(decoding: data.prefix(300), as: UTF8.self)
        throw TransferError.rejectedByReceiver(status: status, message: message)
    }
}

/// Stops every redirect, so an upload goes only to the URL the operator approved.
final class NoRedirectDelegate: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
