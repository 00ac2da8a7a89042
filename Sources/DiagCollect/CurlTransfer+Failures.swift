import Foundation

extension CurlTransfer {
    /// Maps a libcurl result code and message to the source status it means, naming the
    /// profile setting to check. `responseStarted` is true once a status line arrived.
    func classify(_ code: Int32, message: String, responseStarted: Bool) -> HTTPFailure {
        func failure(_ status: SourceStatus, _ reason: String) -> HTTPFailure {
            HTTPFailure(status, endpoint: endpoint, reason: reason)
        }
        switch code {
        case CurlCode.couldNotResolveHost:
            return failure(.unreachable, "host name not found; check the host in the configured URL")
        case CurlCode.couldNotConnect:
            return failure(.unreachable, "connection refused; check that the server runs and listens on the configured host and port")
        case CurlCode.operationTimedOut:
            return failure(.timedOut, "timed out (\(message)); raise the source's timeout if the server is slow")
        case CurlCode.peerFailedVerification:
            if message.contains("subject name") || message.contains("does not match") {
                return failure(
                    .unreachable,
                    "the server certificate does not match the host name (\(message)); use the host name or IP address the certificate names")
            }
            let caFile = configuration.tls.caFile.map { "ca_file \($0.path) does not hold" } ?? "set ca_file to"
            return failure(.unreachable, "certificate not trusted (\(message)); \(caFile) the CA certificate that signed the server's certificate")
        case CurlCode.sslCACertificateBadFile:
            return failure(.unreachable, "cannot use ca_file \(configuration.tls.caFile?.path ?? "") (\(message)); give a PEM file of CA certificates")
        case CurlCode.sslCertificateProblem:
            return failure(
                .unreachable,
                "cannot use the client certificate or key (\(message)); check client_cert_file and client_key_file: PEM files, the key unencrypted and matching the certificate")
        case CurlCode.sslConnectError:
            let hint = configuration.tls.clientCertificateFile == nil
                ? "if the server requires a client certificate, set client_cert_file and client_key_file"
                : "check that the server accepts the client certificate in client_cert_file"
            return failure(.unreachable, "TLS handshake failed (\(message)); \(hint)")
        case CurlCode.tooManyRedirects:
            return failure(
                .invalidResponse,
                "redirect loop: more than \(configuration.maximumRedirects) redirects; check the base URL and any proxy in front of the server")
        case CurlCode.partialFile, CurlCode.gotNothing, CurlCode.receiveError, CurlCode.sendError:
            guard responseStarted else {
                // With TLS 1.3 a server that demands a client certificate rejects it after the
                // handshake, so the failure shows up as a closed connection before any response.
                let hint = configuration.tls.clientCertificateFile == nil
                    ? "if the server requires a client certificate, set client_cert_file and client_key_file"
                    : "check that the server accepts the client certificate in client_cert_file"
                return failure(.unreachable, "the server closed the connection before responding (\(message)); \(hint)")
            }
            return failure(.invalidResponse, "the server closed the connection before a complete response (\(message))")
        case CurlCode.badContentEncoding:
            return failure(.invalidResponse, "the response's content encoding is invalid (\(message))")
        default:
            return failure(.unreachable, "request failed: \(message)")
        }
    }
}
