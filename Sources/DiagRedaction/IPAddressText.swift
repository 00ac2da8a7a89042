import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Parsing and formatting of IP addresses with the C library's `inet_pton` and `inet_ntop`.
enum IPAddressText {
    /// Returns the four octets of a dotted-quad IPv4 address. Leading zeros are accepted, because
    /// some tools print them.
    static func parseIPv4(_ text: some StringProtocol) -> [UInt8]? {
        var octets: [UInt8] = []
        var value = 0
        var digits = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, octets.count < 3 else { return nil }
                octets.append(UInt8(value))
                value = 0
                digits = 0
            } else if byte >= 0x30, byte <= 0x39 {
                digits += 1
                value = value * 10 + Int(byte - 0x30)
                guard digits <= 3, value <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets.count == 3 else { return nil }
        octets.append(UInt8(value))
        return octets
    }

    static func formatIPv4(_ octets: [UInt8]) -> String {
        octets.map(String.init).joined(separator: ".")
    }

    /// Returns the 16 bytes of an IPv6 address, or nil unless `inet_pton` accepts it and it has
    /// two colons. The colon count keeps text such as `a:b` from being taken for an address.
    static func parseIPv6(_ text: some StringProtocol) -> [UInt8]? {
        var colons = 0
        for byte in text.utf8 where byte == UInt8(ascii: ":") { colons += 1 }
        guard colons >= 2 else { return nil }
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
