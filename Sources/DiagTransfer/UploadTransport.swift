import DiagCollect
import DiagSupport
import Foundation

/// Sends the upload protocol's requests through libcurl (`CurlRequest`), which can trust a CA
/// file and present a client certificate, unlike FoundationNetworking's URLSession on Linux.
/// No cookies, cache or credentials are kept, and a redirect is never followed.
final class UploadTransport: Sendable {
    /// The largest response body read; receiver responses are small JSON documents.
    static let maximumResponseBytes = 1 << 20

    let tls: TLSFiles
    let options: CurlRequest.Options

    /// `useEnvironmentProxy` lets libcurl use `https_proxy` and the like; pass false for a
    /// loopback receiver, so an upload to this machine never goes through a proxy.
    init(requestTimeout: TimeInterval, tls: TLSFiles = TLSFiles(), useEnvironmentProxy: Bool = false) {
        self.tls = tls
        options = CurlRequest.Options(
            tls: tls, idleTimeout: requestTimeout, totalTimeout: requestTimeout * 4,
            maximumResponseBytes: Self.maximumResponseBytes, useEnvironmentProxy: useEnvironmentProxy)
    }

    /// Sends one request and returns the status code and the body, whatever the status.
    ///
    /// A TLS failure that another attempt cannot fix, such as an untrusted certificate or an
    /// unusable CA file, throws `TransferError.tlsFailed`. Every other failure throws
    /// `TransferError.transferFailed`, which the uploader retries.
    func send(_ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil) async throws -> (Int, Data) {
        var fields = ["Accept": "application/json"]
        if body != nil { fields["Content-Type"] = "application/octet-stream" }
        fields.merge(headers) { _, given in given }

        let response: CurlRequest.Response
        switch await CurlRequest.send(method, url, headers: fields, body: body, options: options) {
        case .success(let value):
            response = value
        case .failure(let failure):
            throw Self.transferError(failure, method: method, url: url, tls: tls)
        }

        if (300..<400).contains(response.statusCode) {
            throw TransferError.transferFailed(
                reason: "the receiver responded to \(method) \(url.path) with a redirect (HTTP \(response.statusCode)), which is not followed; check the --to URL")
        }
        return (response.statusCode, response.body)
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

    /// Words a libcurl failure for the operator, naming the `upload` option that fixes it.
    static func transferError(_ failure: CurlRequestFailure, method: String, url: URL, tls: TLSFiles) -> TransferError {
        let host = url.port.map { "\(url.host ?? "?"):\($0)" } ?? (url.host ?? "?")
        let clientHint = tls.clientCertificateFile.map { "check that the receiver accepts the certificate in --client-cert \($0.path)" }
            ?? "if the receiver requires a client certificate, pass --client-cert FILE and --client-key FILE"
        let mayNeedClientCertificate = url.scheme == "https" && !failure.responseStarted && tls.clientCertificateFile == nil

        switch failure.kind {
        case .certificateNotTrusted:
            if let caFile = tls.caFile {
                return .tlsFailed(
                    reason: "the certificate of \(host) is not signed by a CA in --ca \(caFile.path) (\(failure.message)); pass the PEM certificate of the CA that signed the receiver's certificate")
            }
            return .tlsFailed(
                reason: "cannot verify the certificate of \(host) against the system's CA store (\(failure.message)); pass --ca FILE with the PEM certificate of the CA that signed it")
        case .certificateNameMismatch:
            return .tlsFailed(
                reason: "the certificate of \(host) does not name that host (\(failure.message)); use a --to URL with the host name or IP address the certificate was issued for")
        case .caFileUnusable:
            return .tlsFailed(reason: "cannot use --ca \(tls.caFile?.path ?? "") (\(failure.message)); give a readable PEM file of CA certificates")
        case .clientCertificateUnusable:
            return .tlsFailed(
                reason: "cannot use --client-cert \(tls.clientCertificateFile?.path ?? "(none)") and --client-key \(tls.clientKeyFile?.path ?? "(none)") (\(failure.message)); give PEM files, the key unencrypted and matching the certificate")
        case .handshakeFailed:
            return .tlsFailed(reason: "the TLS handshake with \(host) failed (\(failure.message)); \(clientHint)")
        case .connectionClosed where !failure.responseStarted && failure.message.contains("certificate required"):
            // With TLS 1.3 a server that requires a client certificate rejects its absence after
            // the handshake, as an alert on the first read.
            return .tlsFailed(reason: "\(host) closed the connection because it requires a client certificate (\(failure.message)); \(clientHint)")
        case .invalidOption:
            return .tlsFailed(reason: "\(failure.message); check the --ca, --client-cert and --client-key paths")
        case .libraryUnavailable:
            return .unsupported(reason: "cannot send: \(failure.message)")
        case .hostNotFound:
            return .transferFailed(reason: "\(method) \(url.path): host \(url.host ?? "?") not found; check the --to URL")
        case .connectionRefused:
            return .transferFailed(reason: "\(method) \(url.path): connection to \(host) refused; check that the receiver runs and the --to URL")
        case .timedOut where !failure.responseStarted:
            return .transferFailed(
                reason: "\(method) \(url.path): \(host) accepted the connection but sent no answer (\(failure.message)); check that the --to URL points at a waka-diag receiver and that it is not overloaded")
        case .connectionClosed where mayNeedClientCertificate, .other where mayNeedClientCertificate:
            // A TLS 1.3 server that rejects a missing client certificate does not always get its
            // alert read: libcurl may report only the closed socket. It stays retryable, because a
            // dropped connection looks the same.
            return .transferFailed(reason: "\(method) \(url.path): \(failure.message); \(clientHint)")
        default:
            return .transferFailed(reason: "\(method) \(url.path): \(failure.message)")
        }
    }
}
