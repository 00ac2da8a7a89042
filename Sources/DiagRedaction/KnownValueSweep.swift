import DiagSupport
import Foundation

/// Replaces, in finished text, every original value that the redactor replaced anywhere else.
///
/// Pattern and key rules see a value only where its context gives it away (`tenant_id="acme"`);
/// the same value can also stand alone elsewhere, such as a tenant name in an alert annotation.
/// Once any rule has replaced a value, this sweep replaces it everywhere with the same pseudonym.
/// A value is matched only where it is not part of a longer word (no letter or digit directly
/// before or after it), and values shorter than `LeakScanner.minimumLength` bytes are skipped,
/// as the leak check skips them. Generic account names (`Redactor.genericValues`) are
/// replaced where a rule finds them but not swept elsewhere, because words such as `grafana` or
/// `admin` name software and roles all over a bundle and identify nobody.
public struct KnownValueSweep: Sendable {
    /// Returns the replaced values that the sweep and the leak check consider, with their rule ids.
    public static func identifyingValues(_ replaced: [String: String]) -> [String: String] {
        replaced.filter { value, _ in
            value.utf8.count >= LeakScanner.minimumLength && !Redactor.genericValues.contains(value.lowercased())
        }
    }

    private let replacements: [(original: [UInt8], replacement: [UInt8], rule: String)]

    /// Uses the exact replacement text the redactor wrote for each value, so the sweep gives the
    /// same pseudonym as the rule that found it.
    public init(redactor: Redactor) {
        self.init(recorded: redactor.recordedReplacements)
    }

    /// Sweeps the values of `recorded`, such as the replacements of one file.
    init(recorded: [String: RecordedReplacement]) {
        replacements = Self.identifyingValues(recorded.mapValues(\.rule))
            .compactMap { original, rule in
                guard let replacement = recorded[original]?.replacement else { return nil }
                return (Array(original.utf8), Array(replacement.utf8), rule)
            }
            .sorted { $0.original.count > $1.original.count || ($0.original.count == $1.original.count && $0.original.lexicographicallyPrecedes($1.original)) }
    }

    public var isEmpty: Bool { replacements.isEmpty }

    /// Returns the swept bytes and the replacements made per rule id.
    public func apply(to data: Data) -> (Data, [String: Int]) {
        guard !replacements.isEmpty else { return (data, [:]) }
        var bytes = [UInt8](data)
        var counts: [String: Int] = [:]
        for item in replacements {
            guard let first = item.original.first else { continue }
            var output: [UInt8] = []
            var index = 0
            var changed = false
            while index < bytes.count {
                if bytes[index] == first, matches(item.original, in: bytes, at: index) {
                    output.append(contentsOf: item.replacement)
                    index += item.original.count
                    counts[item.rule, default: 0] += 1
                    changed = true
                } else {
                    output.append(bytes[index])
                    index += 1
                }
            }
            if changed { bytes = output }
        }
        return (Data(bytes), counts)
    }

    private func matches(_ needle: [UInt8], in bytes: [UInt8], at start: Int) -> Bool {
        guard start + needle.count <= bytes.count else { return false }
        for offset in 0..<needle.count where bytes[start + offset] != needle[offset] { return false }
        if start > 0, Self.isWordByte(bytes[start - 1]), Self.isWordByte(needle[0]) { return false }
        let end = start + needle.count
        if end < bytes.count, Self.isWordByte(bytes[end]), Self.isWordByte(needle[needle.count - 1]) { return false }
        return true
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte >= 0x80
    }
}
