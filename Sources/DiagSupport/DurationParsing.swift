import Foundation

/// Parses and formats durations in the Prometheus style used on the command line and in profiles:
/// a sequence of number-unit pairs such as `90s`, `15m`, `1h30m`, `7d`, `250ms`.
public enum DurationText {
    private static let units: [(String, Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400), ("w", 604_800),
    ]

    /// Parses `text` into seconds, or throws a usage error that names the value and the accepted form.
    public static func seconds(_ text: String, option: String) throws -> Double {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var total = 0.0
        var sawPair = false
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let value = Double(digits) else { break }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { $0.isLetter }
            guard let unit = units.first(where: { $0.0 == unitText }) else { break }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
            sawPair = true
        }
        // A negative duration is a valid one with a minus sign in front.
        let negative = text.hasPrefix("-") && (try? seconds(String(text.dropFirst()), option: option)) != nil
        if (sawPair && rest.isEmpty && total == 0) || negative {
            throw DiagError.usage("invalid duration '\(text)' for \(option): it must be longer than zero, such as 30s or 5m")
        }
        guard sawPair, rest.isEmpty else {
            throw DiagError.usage(
                "invalid duration '\(text)' for \(option): use a number with a unit, such as 30s, 15m, 1h or 1h30m (units: ms, s, m, h, d, w)"
            )
        }
        return total
    }

    /// Formats seconds as the shortest unit sequence, for example `5400` as `1h30m`.
    public static func format(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        var remaining = Int(seconds.rounded())
        var parts = ""
        for (name, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] where remaining >= size {
            parts += "\(remaining / size)\(name)"
            remaining %= size
        }
        return parts.isEmpty ? "0s" : parts
    }
}

/// RFC 3339 timestamps in UTC with whole seconds, the form written into every bundle document.
public enum Timestamp {
    /// Formats `date` as `2026-12-04T20:52:15Z`.
    public static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// Formats `date` as `20261204T205215Z`, for file names.
    public static func compact(_ date: Date) -> String {
        format(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    /// Parses an RFC 3339 timestamp with `Z` or a numeric offset and optional fractional seconds.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
