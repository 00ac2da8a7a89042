import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Parsing and formatting of IP addresses with the C library's `inet_pton` and `inet_ntop`.
enum IPAddressText {
    /// Returns the four octets of a dotted-quad IPv4 address. Leading zeros are accepted, because
    /// some tools print them.
    static func parseIPv4(_ text: some StringProtocol) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let number = Int(part), number <= 255
            else { return nil }
            octets.append(UInt8(number))
        }
        return octets
    }

    static func formatIPv4(_ octets: [UInt8]) -> String {
        octets.map(String.init).joined(separator: ".")
    }

    /// Returns the 16 bytes of an IPv6 address, or nil unless `inet_pton` accepts it and it has
    /// two colons. The colon count keeps text such as `a:b` from being taken for an address.
    static func parseIPv6(_ text: some StringProtocol) -> [UInt8]? {
        guard text.utf8.filter({ $0 == UInt8(ascii: ":") }).count >= 2 else { return nil }
        var address = in6_addr()
        let result = String(text).withCString { inet_pton(AF_INET6, $0, &address) }
        guard result == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// Returns the RFC 5952 text of 16 address bytes, as glibc's `inet_ntop` writes it.
    static func formatIPv6(_ bytes: [UInt8]) -> String {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else {
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        }
        return String(cString: buffer)
    }
}
