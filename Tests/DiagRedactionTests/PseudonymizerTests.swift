import DiagRedaction
import Foundation
import Testing

/// Shapes, consistency and address properties of the pseudonyms.
struct PseudonymizerTests {
    let pseudonymizer = Pseudonymizer(secret: TestSupport.secret)

    static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    static func octets(_ address: String) -> [Int] {
        address.split(separator: ".").compactMap { Int($0) }
    }

    @Test(arguments: [
        (RuleKind.tenantID, "tenant"), (.userID, "user"), (.customerID, "customer"), (.identifier, "id"),
        (.keyword, "keyword"),
    ])
    func identifierShape(kind: RuleKind, prefix: String) {
        let pseudonym = pseudonymizer.pseudonym(for: "acme-corp", kind: kind)
        #expect(Self.matches(pseudonym, "^\(prefix)-[0-9a-f]{8}$"), "\(pseudonym)")
    }

    @Test func sameSecretSamePseudonymOtherSecretOther() {
        let again = Pseudonymizer(secret: TestSupport.secret)
        let other = Pseudonymizer(secret: [UInt8](repeating: 1, count: 32))
        for kind in [RuleKind.tenantID, .email, .ipv4, .hostname, .secretValue] {
            let value = kind == .email ? "a@b.com" : (kind == .ipv4 ? "10.1.2.3" : "db.acme.com")
            #expect(pseudonymizer.pseudonym(for: value, kind: kind) == again.pseudonym(for: value, kind: kind))
            #expect(pseudonymizer.pseudonym(for: value, kind: kind) != other.pseudonym(for: value, kind: kind))
        }
        #expect(
            pseudonymizer.pseudonym(for: "acme", kind: .tenantID) != pseudonymizer.pseudonym(for: "acme", kind: .userID))
    }

    @Test func secretsBecomeMarkersWithoutTheOriginal() {
        for kind in RuleKind.allCases where kind.isSecret {
            let marker = pseudonymizer.pseudonym(for: "hunter2-password", kind: kind)
            #expect(Self.matches(marker, "^<redacted:\(kind.rawValue):[0-9a-f]{8}>$"), "\(marker)")
            #expect(!marker.contains("hunter2"))
        }
    }

    @Test func emailStaysAnEmailSharingItsDomain() {
        let first = pseudonymizer.pseudonym(for: "jane.doe@acme-corp.com", kind: .email)
        let second = pseudonymizer.pseudonym(for: "ops@acme-corp.com", kind: .email)
        #expect(Self.matches(first, "^user-[0-9a-f]{8}@example-[0-9a-f]{6}\\.com$"), "\(first)")
        #expect(first.split(separator: "@")[1] == second.split(separator: "@")[1])
        #expect(first != second)
        let british = pseudonymizer.pseudonym(for: "ops@acme.co.uk", kind: .email)
        #expect(british.hasSuffix(".co.uk"))
        let encoded = pseudonymizer.pseudonym(for: "jane%40acme-corp.com", kind: .email)
        #expect(Self.matches(encoded, "^user-[0-9a-f]{8}%40example-[0-9a-f]{6}\\.com$"), "\(encoded)")
        #expect(pseudonymizer.pseudonym(for: "not-an-email", kind: .email).hasPrefix("<redacted:email:"))
    }

    @Test func ipv4SharesSubnetAndKeepsRange() {
        let a = Self.octets(pseudonymizer.pseudonym(for: "10.20.30.40", kind: .ipv4))
        let b = Self.octets(pseudonymizer.pseudonym(for: "10.20.30.41", kind: .ipv4))
        let other = Self.octets(pseudonymizer.pseudonym(for: "10.20.31.40", kind: .ipv4))
        #expect(a.count == 4)
        #expect(b.count == 4)
        #expect(Array(a.prefix(3)) == Array(b.prefix(3)))
        #expect(Array(a.prefix(3)) != Array(other.prefix(3)))
        #expect(a[0] == 10)

        let home = Self.octets(pseudonymizer.pseudonym(for: "192.168.1.17", kind: .ipv4))
        #expect(home[0] == 192)
        #expect(home[1] == 168)
        let docker = Self.octets(pseudonymizer.pseudonym(for: "172.17.0.2", kind: .ipv4))
        #expect(docker[0] == 172)
        #expect((16...31).contains(docker[1]))
        let publicAddress = Self.octets(pseudonymizer.pseudonym(for: "8.8.4.4", kind: .ipv4))
        #expect(publicAddress[0] != 10)
        #expect(publicAddress[0] != 127)
        #expect(publicAddress[0] < 224)
    }

    @Test func ipv4HostOctetIsABijectionWithoutFixedPoints() {
        for prefix in ["10.0.0", "192.0.2", "203.0.113", "8.8.8"] {
            var seen = Set<String>()
            for host in 1...254 {
                let original = "\(prefix).\(host)"
                let pseudonym = pseudonymizer.pseudonym(for: original, kind: .ipv4)
                #expect(pseudonym != original, "\(original) maps to itself")
                let last = Self.octets(pseudonym)[3]
                #expect((1...254).contains(last))
                seen.insert(pseudonym)
            }
            #expect(seen.count == 254, "two addresses of \(prefix).0/24 share a pseudonym")
        }
        #expect(pseudonymizer.pseudonym(for: "10.9.8.0", kind: .ipv4).hasSuffix(".0"))
        #expect(pseudonymizer.pseudonym(for: "10.9.8.255", kind: .ipv4).hasSuffix(".255"))
    }

    @Test func ipv6SharesSlash64() {
        let a = pseudonymizer.pseudonym(for: "2001:db8:85a3:1::8a2e:370:7334", kind: .ipv6)
        let b = pseudonymizer.pseudonym(for: "2001:db8:85a3:1::1", kind: .ipv6)
        let other = pseudonymizer.pseudonym(for: "2001:db8:85a3:2::1", kind: .ipv6)
        func prefix64(_ text: String) -> [UInt16] {
            var address = in6_addr()
            _ = inet_pton(AF_INET6, text, &address)
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            return stride(from: 0, to: 8, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        }
        #expect(prefix64(a) == prefix64(b))
        #expect(prefix64(a) != prefix64(other))
        #expect(a != b)
        #expect(a.hasPrefix("2001:"))

        let linkLocal = pseudonymizer.pseudonym(for: "fe80::1ff:fe23:4567:890a", kind: .ipv6)
        #expect(linkLocal.hasPrefix("fe80::"))
        #expect(linkLocal != "fe80::1ff:fe23:4567:890a")
        let mapped = pseudonymizer.pseudonym(for: "::ffff:10.1.2.3", kind: .ipv6)
        #expect(mapped.hasPrefix("::ffff:10."))
        #expect(mapped == "::ffff:" + pseudonymizer.pseudonym(for: "10.1.2.3", kind: .ipv4))

        // A network address keeps its zero interface identifier, so it still reads as a network,
        // inside the pseudonymous /64 of the hosts in it.
        let network = pseudonymizer.pseudonym(for: "2001:db8:85a3:1::", kind: .ipv6)
        #expect(network.hasSuffix("::"), "\(network)")
        #expect(prefix64(network) == prefix64(a))
    }

    @Test func hostnameKeepsLabelCountAndSuffix() {
        let host = pseudonymizer.pseudonym(for: "db-01.prod.acme-corp.com", kind: .hostname)
        #expect(Self.matches(host, "^host-[0-9a-f]{8}\\.[0-9a-f]{4}\\.example-[0-9a-f]{6}\\.com$"), "\(host)")
        let sibling = pseudonymizer.pseudonym(for: "db-02.prod.acme-corp.com", kind: .hostname)
        #expect(host.split(separator: ".").dropFirst() == sibling.split(separator: ".").dropFirst())
        #expect(host != sibling)

        let single = pseudonymizer.pseudonym(for: "web-01", kind: .hostname)
        #expect(Self.matches(single, "^host-[0-9a-f]{8}$"))
        let internalName = pseudonymizer.pseudonym(for: "node1.internal", kind: .hostname)
        #expect(Self.matches(internalName, "^host-[0-9a-f]{8}\\.internal$"))
        let service = pseudonymizer.pseudonym(for: "api.default.svc.cluster.local", kind: .hostname)
        #expect(service.hasSuffix(".svc.cluster.local"))
        #expect(service.split(separator: ".").count == 5)
        #expect(pseudonymizer.pseudonym(for: "DB-01.Prod.Acme-Corp.COM", kind: .hostname) == host)
        #expect(pseudonymizer.pseudonym(for: "bad host!", kind: .hostname).hasPrefix("<redacted:hostname:"))
    }

    @Test func macKeepsLayoutAndIsLocallyAdministered() {
        let colon = pseudonymizer.pseudonym(for: "00:1a:2b:3c:4d:5e", kind: .mac)
        #expect(Self.matches(colon, "^[0-9a-f]{2}(:[0-9a-f]{2}){5}$"))
        let firstByte = UInt8(colon.prefix(2), radix: 16)!
        #expect(firstByte & 0x03 == 0x02)
        let dashes = pseudonymizer.pseudonym(for: "00-1A-2B-3C-4D-5E", kind: .mac)
        #expect(Self.matches(dashes, "^[0-9A-F]{2}(-[0-9A-F]{2}){5}$"))
        #expect(dashes.lowercased().replacingOccurrences(of: "-", with: ":") == colon)
    }

    @Test func phoneKeepsLayoutAndCountryCode() {
        let phone = pseudonymizer.pseudonym(for: "+234 803 123 4567", kind: .phone)
        #expect(Self.matches(phone, "^\\+234 [0-9]{3} [0-9]{3} [0-9]{4}$"), "\(phone)")
        #expect(phone != "+234 803 123 4567")
        let local = pseudonymizer.pseudonym(for: "0803 123 4567", kind: .phone)
        #expect(Self.matches(local, "^0[0-9]{3} [0-9]{3} [0-9]{4}$"))
        // The trunk prefix in parentheses after the country code stays a zero.
        let trunk = pseudonymizer.pseudonym(for: "+234 (0) 803 123 4567", kind: .phone)
        #expect(Self.matches(trunk, "^\\+234 \\(0\\) [0-9]{3} [0-9]{3} [0-9]{4}$"), "\(trunk)")
        #expect(trunk != "+234 (0) 803 123 4567")
    }
}
