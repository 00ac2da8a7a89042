/// A `CurlRequest` that got no complete response, by cause, with libcurl's own message.
///
/// The kinds name what the caller must change; the caller words the fix in terms of its own
/// options (a profile setting, a command-line flag).
public struct CurlRequestFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// libcurl could not be loaded or initialized.
        case libraryUnavailable
        /// libcurl rejected an option, such as a file path or a method.
        case invalidOption
        case hostNotFound
        case connectionRefused
        case timedOut
        /// The server's certificate chain does not lead to a trusted CA: the system store, or the CA file when one is set.
        case certificateNotTrusted
        /// The server's certificate does not name the host of the URL.
        case certificateNameMismatch
        /// The CA file is missing, unreadable or contains no PEM certificate.
        case caFileUnusable
        /// The client certificate or key is missing, unreadable, encrypted or mismatched.
        case clientCertificateUnusable
        /// The TLS handshake failed for another reason, such as a required client certificate.
        case handshakeFailed
        /// The server closed the connection before a complete response.
        case connectionClosed
        case responseTooLarge
        case cancelled
        case other
    }

    public var kind: Kind
    /// libcurl's message, such as `SSL certificate problem: unable to get local issuer certificate`.
    public var message: String
    /// The libcurl result code, or 0 when the failure was found outside libcurl.
    public var code: Int32
    /// True once a status line arrived, so the connection and TLS handshake had succeeded.
    public var responseStarted: Bool

    public init(_ kind: Kind, message: String, code: Int32 = 0, responseStarted: Bool = false) {
        self.kind = kind
        self.message = message
        self.code = code
        self.responseStarted = responseStarted
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// Maps a libcurl result code and its message to a kind.
    static func classify(_ code: Int32, message: String, responseStarted: Bool) -> CurlRequestFailure {
        func failure(_ kind: Kind) -> CurlRequestFailure {
            CurlRequestFailure(kind, message: message, code: code, responseStarted: responseStarted)
        }
        switch code {
        case CurlCode.couldNotResolveHost: return failure(.hostNotFound)
        case CurlCode.couldNotConnect: return failure(.connectionRefused)
        case CurlCode.operationTimedOut: return failure(.timedOut)
        case CurlCode.peerFailedVerification:
            // OpenSSL builds report a name mismatch under the same code as an untrusted chain.
            if message.contains("subject name") || message.contains("does not match") {
                return failure(.certificateNameMismatch)
            }
            return failure(.certificateNotTrusted)
        case CurlCode.sslCACertificateBadFile: return failure(.caFileUnusable)
        case CurlCode.sslCertificateProblem: return failure(.clientCertificateUnusable)
        case CurlCode.sslConnectError: return failure(.handshakeFailed)
        case CurlCode.partialFile, CurlCode.gotNothing, CurlCode.receiveError, CurlCode.sendError:
            return failure(.connectionClosed)
        case CurlCode.abortedByCallback: return failure(.cancelled)
        default: return failure(.other)
        }
    }
}
