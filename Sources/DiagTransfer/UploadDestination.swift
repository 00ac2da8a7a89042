import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A checked `--to` URL: HTTPS anywhere, plain HTTP only to a loopback address.
///
/// The check reads the URL text only. It never resolves the host name, so a refused destination is
/// refused before any DNS query or connection.
public struct UploadDestination: Sendable, Equatable {
    public let url: URL
    /// True when the host is `localhost`, an IPv4 address in 127.0.0.0/8 or the IPv6 address ::1.
    public let isLoopback: Bool

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let rawHost = components.host, !rawHost.isEmpty, let url = components.url
        else {
            throw TransferError.invalidDestination(
                url: text, reason: "expected an absolute URL such as https://support.example/waka-diag")
        }
        guard components.user == nil && components.password == nil else {
            throw TransferError.invalidDestination(
                url: "\(scheme)://…@\(rawHost)", reason: "credentials in the URL are not supported; remove the user:password@ part")
        }
        guard components.query == nil && components.fragment == nil else {
            throw TransferError.invalidDestination(url: text, reason: "remove the query or fragment; give the receiver's base URL")
        }

        let loopback = Self.isLoopbackHost(rawHost)
        switch scheme {
        case "https":
            break
        case "http" where loopback:
            break
        case "http":
            throw TransferError.invalidDestination(
                url: text,
                reason: "plain http is only allowed to a loopback address (127.0.0.0/8, ::1, localhost); use https://")
        default:
            throw TransferError.invalidDestination(url: text, reason: "unsupported scheme '\(scheme)'; use https://")
        }
        self.url = url
        self.isLoopback = loopback
    }

    /// Tells whether `host` names the local machine without asking a resolver: `localhost`, a
    /// dotted-quad IPv4 address in 127.0.0.0/8, or an IPv6 address equal to ::1 (brackets allowed).
    public static func isLoopbackHost(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "localhost." { return true }

        var ipv4 = in_addr()
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            inet_pton(AF_INET, name, &ipv4) == 1
        {
            return UInt32(bigEndian: ipv4.s_addr) >> 24 == 127
        }

        var ipv6 = in6_addr()
        if name.contains(":"), inet_pton(AF_INET6, name, &ipv6) == 1 {
            let bytes = withUnsafeBytes(of: ipv6) { Array($0) }
            return bytes == [UInt8](repeating: 0, count: 15) + [1]
        }
        return false
    }

    /// The URL of the upload with id `uploadID` under this destination, optionally with a suffix
    /// such as `/complete`.
    func uploadURL(_ uploadID: String, suffix: String = "") -> URL {
        var base = url.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return URL(string: "\(base)\(UploadProtocol.uploadsPath)/\(uploadID)\(suffix)")!
    }
}
