#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Numbers the services of a collector's error lines, at most `capacity` of them.
///
/// Service names read from a line's bytes are looked up by those bytes first, so a name seen
/// before costs no `String`. Tenant masking applies once per distinct name, when it is first seen.
struct ServiceNames {
    let capacity: Int
    let tenantMasking: TenantMasking?
    /// The names by number, after tenant masking.
    private(set) var names: [String] = []
    /// The number of lookups that found no room for a further service. Those lines count as `other`.
    private(set) var overflowLines = 0
    private var numbers: [String: Int32] = [:]
    /// Numbers by the raw bytes of a name as read, for names up to `maximumRawBytes` long.
    private var rawTable = KeyTable(expectedCount: 64)
    private var rawNumbers: [Int32] = []
    /// The raw bytes and number of the last name looked up by bytes, because the lines of one
    /// file mostly name one service. The number is nil until a name is remembered.
    private var lastRaw: [UInt8] = []
    private var lastNumber: Int32?

    /// The maximum length, in bytes, of a raw name in the byte table. Longer names are looked up
    /// as `String`s.
    static let maximumRawBytes = 256

    init(capacity: Int, tenantMasking: TenantMasking?) {
        self.capacity = capacity
        self.tenantMasking = tenantMasking
    }

    /// Returns the number of `name`, or -2 once `capacity` services are numbered and `name` is not one of them.
    mutating func number(of name: String) -> Int32 {
        let masked = tenantMasking?.maskService(name) ?? name
        if let number = numbers[masked] { return number }
        guard names.count < capacity else {
            overflowLines += 1
            return -2
        }
        let number = Int32(names.count)
        numbers[masked] = number
        names.append(masked)
        return number
    }

    /// Returns the number of the name in `bytes[start..<end]`, as `number(of:)` does.
    mutating func number(of bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int32 {
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard raw.count <= Self.maximumRawBytes else { return number(of: String(decoding: raw, as: UTF8.self)) }
        if let lastNumber, isLast(raw) {
            if lastNumber == -2 { overflowLines += 1 }
            return lastNumber
        }
        let hash = KeyTable.hash(raw)
        if let index = rawTable.find(raw, hash: hash) {
            let number = rawNumbers[index]
            if number == -2 { overflowLines += 1 }
            remember(raw, number)
            return number
        }
        let number = number(of: String(decoding: raw, as: UTF8.self))
        // Every distinct raw name maps to a number or to -2, so the table stays within a few
        // times the capacity only if it is capped as well.
        if rawTable.count < capacity * 4 {
            _ = rawTable.insert(raw, hash: hash)
            rawNumbers.append(number)
            remember(raw, number)
        }
        return number
    }

    private func isLast(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        guard raw.count == lastRaw.count else { return false }
        guard !raw.isEmpty, let base = raw.baseAddress else { return true }
        return lastRaw.withUnsafeBufferPointer { memcmp($0.baseAddress!, base, raw.count) == 0 }
    }

    private mutating func remember(_ raw: UnsafeBufferPointer<UInt8>, _ number: Int32) {
        lastRaw.removeAll(keepingCapacity: true)
        lastRaw.append(contentsOf: raw)
        lastNumber = number
    }
}
