import DiagSupport

/// IPv4 address ranges whose pseudonyms stay inside the same range, so a reader still sees
/// "private", "carrier-grade NAT" or "link-local". Widths count bits of the /24 prefix.
private struct IPv4Range {
    var name: String
    var network: UInt32
    var prefixLength: Int

    func contains(_ prefix24: UInt32) -> Bool {
        prefixLength == 0 || prefix24 >> UInt32(24 - prefixLength) == network >> UInt32(32 - prefixLength)
    }

    static let all: [IPv4Range] = [
        IPv4Range(name: "private-10", network: 0x0A00_0000, prefixLength: 8),
        IPv4Range(name: "private-172", network: 0xAC10_0000, prefixLength: 12),
        IPv4Range(name: "private-192", network: 0xC0A8_0000, prefixLength: 16),
        IPv4Range(name: "shared-100", network: 0x6440_0000, prefixLength: 10),
        IPv4Range(name: "link-local", network: 0xA9FE_0000, prefixLength: 16),
        IPv4Range(name: "loopback", network: 0x7F00_0000, prefixLength: 8),
        IPv4Range(name: "this-network", network: 0x0000_0000, prefixLength: 8),
        IPv4Range(name: "benchmark", network: 0xC612_0000, prefixLength: 15),
        IPv4Range(name: "test-net-1", network: 0xC000_0200, prefixLength: 24),
        IPv4Range(name: "test-net-2", network: 0xC633_6400, prefixLength: 24),
        IPv4Range(name: "test-net-3", network: 0xCB00_7100, prefixLength: 24),
        IPv4Range(name: "multicast", network: 0xE000_0000, prefixLength: 4),
        IPv4Range(name: "reserved", network: 0xF000_0000, prefixLength: 4),
    ]
}

extension Pseudonymizer {
    /// Returns a valid IPv4 address in the same range (private, shared, link-local, public, ...).
    ///
    /// The /24 prefix and the host octet are permuted separately, so addresses sharing a /24 share
    /// the pseudonymous /24 and two addresses never share a pseudonym. The host octet is a keyed
    /// single-cycle permutation of 1-254 (0 and 255 are kept), so no address maps to itself.
    func ipv4(_ value: String) -> String? {
        guard let octets = IPAddressText.parseIPv4(value) else { return nil }
        return IPAddressText.formatIPv4(ipv4Octets(octets))
    }

    func ipv4Octets(_ octets: [UInt8]) -> [UInt8] {
        let prefix = UInt32(octets[0]) << 16 | UInt32(octets[1]) << 8 | UInt32(octets[2])
        let newPrefix = pseudonymousIPv4Prefix(prefix)

        var host = octets[3]
        if (1...254).contains(host) {
            host = hostTable(prefix)[Int(host) - 1] + 1
        }
        return [UInt8(newPrefix >> 16), UInt8(newPrefix >> 8 & 0xFF), UInt8(newPrefix & 0xFF), host]
    }

    private func pseudonymousIPv4Prefix(_ prefix: UInt32) -> UInt32 {
        guard let range = IPv4Range.all.first(where: { $0.contains(prefix) }) else {
            // Public space: permute all 24 bits and walk the cycle until the result is public again.
            let key = permutationKey("ipv4-public")
            var candidate = UInt64(prefix)
            repeat {
                candidate = KeyedPermutation.feistel(candidate, bits: 24, key: key)
            } while IPv4Range.all.contains(where: { $0.contains(UInt32(candidate)) })
            return UInt32(candidate)
        }

        let freeBits = 24 - range.prefixLength
        guard freeBits > 0 else { return prefix }
        let fixed = prefix & ~UInt32(KeyedPermutation.mask(freeBits))
        let free = prefix & UInt32(KeyedPermutation.mask(freeBits))
        if freeBits <= 16 {
            let table = cachedTable("ipv4-range-\(range.name)", count: 1 << freeBits)
            return fixed | table[Int(free)]
        }
        return fixed | UInt32(KeyedPermutation.feistel(UInt64(free), bits: freeBits, key: permutationKey(range.name)))
    }

    /// Returns a valid IPv6 address. The first 16 bits (the allocation block) are kept and the rest of the
    /// /64 prefix is permuted, so addresses sharing a /64 share the pseudonymous /64; the interface
    /// identifier is permuted under a key of the original prefix, except a zero one, which marks a
    /// network address and is kept. Link-local addresses keep fe80::/64,
    /// and IPv4-mapped addresses map their IPv4 part. A later `attempt` changes only the
    /// interface identifier's key, so the /64 relation survives a re-keyed collision.
    func ipv6(_ value: String, attempt: Int = 0) -> String? {
        guard let bytes = IPAddressText.parseIPv6(value) else { return nil }
        let prefix = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let interface = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }

        if prefix == 0, interface >> 32 == 0xFFFF {
            let mapped = ipv4Octets(Array(bytes[12..<16]))
            return IPAddressText.formatIPv6(Array(bytes[0..<12]) + mapped)
        }

        var newPrefix = prefix
        if prefix != 0xFE80_0000_0000_0000 {
            let block = prefix & 0xFFFF_0000_0000_0000
            let key = permutationKey("ipv6-prefix-\(block >> 48)")
            newPrefix = block | KeyedPermutation.feistel(prefix & KeyedPermutation.mask(48), bits: 48, key: key)
        }
        // A zero interface identifier marks a network (2001:db8:5::/48), which stays a network.
        let newInterface = interface == 0
            ? 0 : KeyedPermutation.feistel(interface, bits: 64, key: permutationKey(Self.tag("ipv6-interface-\(prefix)", attempt)))
        var output: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { output.append(UInt8(newPrefix >> UInt64(shift) & 0xFF)) }
        for shift in stride(from: 56, through: 0, by: -8) { output.append(UInt8(newInterface >> UInt64(shift) & 0xFF)) }
        return IPAddressText.formatIPv6(output)
    }

    /// Returns a hostname with the same number of labels and the same known suffix:
    /// `db-01.prod.acme.com` becomes `host-1a2b3c4d.5e6f.example-7a8b9c.com`.
    ///
    /// The first label is `host-…`, keyed by the whole name. The organization's domain under a
    /// public suffix is `example-…`. Labels in between are 4 hex digits keyed by the name from that
    /// label on, so hosts in one domain share the pseudonymous domain.
    func hostname(_ value: String, attempt: Int = 0) -> String? {
        var name = value.lowercased()
        let trailingDot = name.hasSuffix(".")
        if trailingDot { name.removeLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !labels.isEmpty, labels.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(Self.isLabelByte) }) else {
            return nil
        }

        let suffix = HostnameSuffixes.suffix(of: labels)
        let ownLabels = labels.dropLast(suffix.count)
        guard !ownLabels.isEmpty else { return value }

        var output: [String] = []
        for (position, index) in ownLabels.indices.enumerated() {
            let tail = labels[index...].joined(separator: ".")
            let isFirst = position == 0
            let isOrganization = index == ownLabels.indices.last && suffix.count > 0 && !suffix.isPrivate
            // A later attempt re-keys only the first label, so hosts keep their shared domain.
            if isOrganization && ownLabels.count == 1 {
                output.append("example-" + hex(Self.tag("hostname-domain", attempt), tail, count: 3))
            } else if isFirst {
                output.append("host-" + hex(Self.tag("hostname", attempt), tail, count: 4))
            } else if isOrganization {
                output.append(domainLabels.value(for: "domain\u{0}" + tail) { "example-" + hex("hostname-domain", tail, count: 3) })
            } else {
                output.append(domainLabels.value(for: "label\u{0}" + tail) { hex("hostname-label", tail, count: 2) })
            }
        }
        output.append(contentsOf: labels.suffix(suffix.count).map(String.init))
        return output.joined(separator: ".") + (trailingDot ? "." : "")
    }

    /// Returns whether `byte` may appear in a lower-cased host name label: a letter, a digit, `-`
    /// or `_`.
    static func isLabelByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// Returns a keyed single-cycle permutation of `0..<count`, built once per name. These are
    /// the tables of the address ranges, one per range, so they stay cached.
    func cachedTable(_ name: String, count: Int) -> [UInt32] {
        tableLock.lock()
        defer { tableLock.unlock() }
        if let table = tables[name] { return table }
        let table = KeyedPermutation.cycle(count: count, key: permutationKey(name))
        tables[name] = table
        return table
    }

    /// Returns the keyed single-cycle permutation of the host octets 0..<254 of the /24 network
    /// `prefix`, keyed by `ipv4-host-PREFIX` as before. There is one table per network seen, so a
    /// full cache is emptied, which keeps memory bounded when a log contains addresses from very
    /// many networks. A table built again is the same.
    func hostTable(_ prefix: UInt32) -> [UInt8] {
        tableLock.lock()
        defer { tableLock.unlock() }
        if let table = hostTables[prefix] { return table }
        let table = KeyedPermutation.cycle(count: 254, key: permutationKey("ipv4-host-\(prefix)")).map { UInt8($0) }
        if hostTables.count >= Self.tableLimit { hostTables.removeAll(keepingCapacity: true) }
        hostTables[prefix] = table
        return table
    }
}
