import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `--listen` address: a numeric IPv4 or bracketed IPv6 address and a port, never a host name,
/// so binding needs no resolver and binds exactly what the operator typed.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: UInt16
    public let isIPv6: Bool

    /// Parses `HOST:PORT` (`127.0.0.1:8443`, `[::1]:8443`); port 0 picks a free port.
    ///
    /// A non-loopback address is rejected unless `allowRemote` is true.
    public init(_ text: String, allowRemote: Bool = false) throws {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw DiagError.usage("invalid --listen '\(text)': write an IPv6 address as [::1]:PORT")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw DiagError.usage("invalid --listen '\(text)': expected ADDRESS:PORT such as 127.0.0.1:8443")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portPart) else {
            throw DiagError.usage("invalid port '\(portPart)' in --listen '\(text)': use 0 to 65535")
        }

        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        let host = String(hostPart)
        let isIPv6: Bool
        if !text.hasPrefix("["), inet_pton(AF_INET, host, &ipv4) == 1 {
            isIPv6 = false
        } else if text.hasPrefix("["), inet_pton(AF_INET6, host, &ipv6) == 1 {
            isIPv6 = true
        } else {
            throw DiagError.usage(
                "invalid address '\(host)' in --listen: give a numeric IP address such as 127.0.0.1 or [::1]; host names are not resolved")
        }
        if !allowRemote && !UploadDestination.isLoopbackHost(host) {
            throw DiagError.usage(
                "--listen \(text) is not a loopback address; the receiver listens on 127.0.0.1 or [::1] unless --allow-remote is given")
        }
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Creates, binds and listens on a socket for this address; returns it with the bound port.
    func bindAndListen(backlog: Int32 = 64) throws -> (SocketHandle, UInt16) {
        let family = isIPv6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Self.systemError("create a socket for", description) }
        let handle = SocketHandle(descriptor: descriptor)

        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if isIPv6 { setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }

        let bound: Int32
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard bound == 0 else { throw Self.systemError("bind", description) }
        guard listen(descriptor, backlog) == 0 else { throw Self.systemError("listen on", description) }

        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw Self.systemError("read the bound port of", description) }
        let boundPort = withUnsafePointer(to: &storage) { pointer -> UInt16 in
            if isIPv6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return (handle, boundPort)
    }

    static func systemError(_ operation: String, _ address: String) -> DiagError {
        let reason = String(cString: strerror(errno))
        if errno == EADDRINUSE {
            return DiagError(.cannotCreate, "cannot \(operation) \(address): \(reason); choose another port or stop the other listener")
        }
        return DiagError(.cannotCreate, "cannot \(operation) \(address): \(reason)")
    }
}
