import DiagSupport
import Foundation

/// Sizes written as `50MB`, `1.5 GiB` or a plain number of bytes, as `--size-budget` and the
/// profile's `size_budget` take them.
public enum ByteCount {
    /// Units from the longest suffix down, so `MiB` is not read as `B`.
    static let units: [(suffix: String, factor: Double)] = [
        ("KiB", 1024), ("MiB", 1024 * 1024), ("GiB", 1024 * 1024 * 1024), ("KB", 1000), ("MB", 1_000_000),
        ("GB", 1_000_000_000), ("B", 1),
    ]

    /// Parses `text` into bytes; throws a usage error naming `option` for anything else,
    /// including zero and sizes that do not fit in an `Int`.
    public static func parse(_ text: String, option: String) throws -> Int {
        let compact = text.replacingOccurrences(of: " ", with: "")
        var number = compact
        var factor = 1.0
        for unit in units where compact.hasSuffix(unit.suffix) {
            number = String(compact.dropLast(unit.suffix.count))
            factor = unit.factor
            break
        }
        let digitsAndPoint = !number.isEmpty && number.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard digitsAndPoint, let value = Double(number), value > 0, value * factor < Double(Int.max), value * factor >= 1 else {
            throw DiagError.usage(
                "invalid size '\(text)' for \(option): use a number of bytes or a number with a unit, such as 500KB, 50MB, 2GB, 50MiB or 2GiB")
        }
        return Int((value * factor).rounded(.down))
    }

    /// Formats `bytes` for people, such as `48.2 MB` or `512 bytes`.
    public static func format(_ bytes: Int) -> String {
        if bytes < 1000 { return "\(bytes) bytes" }
        if bytes < 1_000_000 { return String(format: "%.1f KB", Double(bytes) / 1000) }
        if bytes < 1_000_000_000 { return String(format: "%.1f MB", Double(bytes) / 1_000_000) }
        return String(format: "%.2f GB", Double(bytes) / 1_000_000_000)
    }
}
