/// The rules that turn tenant identifiers into `<*>` before messages are grouped, so that the
/// same error of two tenants becomes one template with the summed count and no count in the
/// report belongs to one tenant. Collections in partner and self-hosted mode turn it on.
///
/// A token of a message is a tenant identifier when it
/// - equals a known identifier, ignoring letter case (`knownIdentifiers`, such as the values of a
///   Loki `tenant_id` label);
/// - starts with `tenant-`, `tenant_`, `org-`, `org_`, `customer-` or `customer_`;
/// - follows a context word (`tenant`, `org`, `organization`, `customer`, `workspace` and their
///   id forms), unless it is a common word such as `not`, `quota` or `limit`;
/// - or is the value in `tenant:acme` or `org/acme`.
/// Values of `tenant=acme` pairs are variable anyway, with or without this masking (see `MessageMasker`). Service names are checked part by part
/// (`acme-api` with `acme` known becomes `<*>-api`).
///
/// NOTE: a known identifier that contains spaces is never matched, because messages are compared
/// token by token. A tenant named like a common word stays unless a context word precedes it.
public struct TenantMasking: Sendable, Equatable {
    /// The known identifiers, lower-cased.
    public private(set) var knownIdentifiers: Set<String>
    private var knownBytes: Set<[UInt8]>

    public init<Identifiers: Sequence>(knownIdentifiers: Identifiers) where Identifiers.Element == String {
        let lowered = knownIdentifiers.map { $0.lowercased() }.filter { !$0.isEmpty && !$0.contains(" ") }
        self.knownIdentifiers = Set(lowered)
        knownBytes = Set(lowered.map { Array($0.utf8) })
    }

    public init() {
        self.init(knownIdentifiers: [])
    }

    /// Adds identifiers learned after the masking was configured.
    public mutating func add<Identifiers: Sequence>(_ identifiers: Identifiers) where Identifiers.Element == String {
        for identifier in identifiers {
            let lowered = identifier.lowercased()
            guard !lowered.isEmpty, !lowered.contains(" ") else { continue }
            knownIdentifiers.insert(lowered)
            knownBytes.insert(Array(lowered.utf8))
        }
    }

    public static func == (lhs: TenantMasking, rhs: TenantMasking) -> Bool {
        lhs.knownIdentifiers == rhs.knownIdentifiers
    }

    static let contextWords: [StaticString] = [
        "tenant", "tenants", "tenant_id", "tenantid", "tenant-id", "org", "orgid", "org_id", "org-id", "organization",
        "organisation", "customer", "customer_id", "customerid", "workspace", "workspace_id",
    ]

    static let identifierPrefixes: [StaticString] = ["tenant-", "tenant_", "org-", "org_", "customer-", "customer_"]

    /// Words that often follow a context word without naming a tenant.
    static let commonWords: [StaticString] = [
        "a", "an", "the", "is", "was", "are", "not", "no", "has", "had", "have", "id", "ids", "name", "names", "and",
        "or", "to", "from", "for", "in", "of", "on", "with", "without", "by", "at", "as", "config", "configuration",
        "settings", "limit", "limits", "quota", "quotas", "header", "mismatch", "lookup", "missing", "unknown",
        "invalid", "empty", "required", "disabled", "enabled", "context", "label", "scope", "data", "level",
    ]

    /// Returns true when `bytes[start..<end]` is a context word, so the next token names a tenant.
    func isContextWord(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        Self.isContextWord(bytes, start, end)
    }

    /// Returns true when `bytes[start..<end]` is a context word. The masker also uses it without a
    /// configured masking, so that `tenant=acme` never keeps its value.
    static func isContextWord(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 3, end - start <= 13 else { return false }
        return Self.contextWords.contains { ASCII.equals(bytes, start, end, $0, caseInsensitive: true) }
    }

    /// Returns the offset of the `:` or `/` in `tenant:acme` or `org/acme`, or nil for any other token.
    func contextSeparator(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        var index = start
        while index < end, bytes[index] != ASCII.colon, bytes[index] != ASCII.slash { index += 1 }
        guard index > start, index + 1 < end, isContextWord(bytes, start, index) else { return nil }
        return index
    }

    /// Returns true when the token core names a tenant by itself, with or without a context word.
    func isIdentifier(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        for prefix in Self.identifierPrefixes where end - start > prefix.utf8CodeUnitCount {
            if ASCII.equals(bytes, start, start + prefix.utf8CodeUnitCount, prefix, caseInsensitive: true) { return true }
        }
        guard !knownBytes.isEmpty else { return false }
        var lowered: [UInt8] = []
        lowered.reserveCapacity(end - start)
        for index in start..<end { lowered.append(ASCII.lowercased(bytes[index])) }
        return knownBytes.contains(lowered)
    }

    /// Returns true for the common words that do not name a tenant after a context word.
    func isCommonWord(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start <= 13 else { return false }
        return Self.commonWords.contains { ASCII.equals(bytes, start, end, $0, caseInsensitive: true) }
    }

    /// Returns `name` with each `-`, `_`, `.` or `/` separated part that names a tenant replaced by `<*>`.
    public func maskService(_ name: String) -> String {
        var bytes = Array(name.utf8)
        return bytes.withUnsafeMutableBufferPointer { mutable -> String in
            let buffer = UnsafeBufferPointer(mutable)
            if isIdentifier(buffer, 0, buffer.count) { return MessageMasker.wildcard }
            var output = ""
            var partStart = 0
            var afterContext = false
            var changed = false
            for index in 0...buffer.count {
                let atSeparator = index < buffer.count && Self.isServiceSeparator(buffer[index])
                guard index == buffer.count || atSeparator else { continue }
                let isTenant = isIdentifier(buffer, partStart, index) || (afterContext && index > partStart)
                afterContext = isContextWord(buffer, partStart, index)
                if isTenant {
                    output += MessageMasker.wildcard
                    changed = true
                } else {
                    output += String(decoding: UnsafeBufferPointer(rebasing: buffer[partStart..<index]), as: UTF8.self)
                }
                if atSeparator { output.append(Character(Unicode.Scalar(buffer[index]))) }
                partStart = index + 1
            }
            return changed ? output : name
        }
    }

    private static func isServiceSeparator(_ byte: UInt8) -> Bool {
        byte == ASCII.dash || byte == UInt8(ascii: "_") || byte == ASCII.dot || byte == ASCII.slash
    }
}
