import DiagSupport
import Foundation

/// The fields of a JSON or logfmt log line that the error report uses.
///
/// Only the message is grouped; the level and service split the report, and the timestamp places
/// the line in the window. Every other field is dropped unread, so none of it reaches the report.
struct StructuredLogLine: Equatable {
    var message: String
    var level: LogLevel?
    var service: String?
    var timestamp: Double?
    /// True when a field such as `stack` or `exception` contains a stack trace.
    var hasStackTrace = false

    /// Field names, tried in order. The upper-case names are journald's JSON export.
    static let messageKeys = ["msg", "message", "log", "error", "err", "event", "text", "@message", "MESSAGE"]
    static let levelKeys = ["level", "lvl", "severity", "loglevel", "log.level", "levelname", "@level"]
    static let serviceKeys = [
        "service", "service.name", "service_name", "app", "application", "component", "job", "SYSLOG_IDENTIFIER",
        "_SYSTEMD_UNIT",
    ]
    static let timestampKeys = ["ts", "time", "timestamp", "@timestamp", "t", "date", "__REALTIME_TIMESTAMP"]
    static let stackKeys = ["stack", "stacktrace", "stack_trace", "exception", "exc_info", "error.stack"]

    /// Parses a JSON object line; returns nil when the line is not a JSON object or has no message field.
    static func parseJSON(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scanner: TimestampScanner)
        -> StructuredLogLine?
    {
        guard let value = try? JSONValue.parse(Data(UnsafeBufferPointer(rebasing: bytes[start..<end]))),
            let fields = value.objectValue
        else { return nil }
        return fromFields(scanner: scanner) { key in
            guard let field = fields[key] else { return nil }
            switch field {
            case .string(let text): return .text(text)
            case .int, .double: return field.doubleValue.map { .number($0) }
            case .bool(let flag): return .text(flag ? "true" : "false")
            case .null, .array, .object: return .present
            }
        }
    }

    /// Parses a logfmt line (`level=error msg="connect failed" service=api`); returns nil unless the
    /// whole line is `key=value` pairs, at least two of them, including a message or level key.
    static func parseLogfmt(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scanner: TimestampScanner)
        -> StructuredLogLine?
    {
        guard let pairs = LogfmtPairs.parse(bytes, start, end), pairs.count >= 2 else { return nil }
        let hasKnownKey = pairs.keys.contains { messageKeys.contains($0) || levelKeys.contains($0) }
        guard hasKnownKey else { return nil }
        return fromFields(scanner: scanner) { key in pairs[key].map { .text($0) } }
    }

    enum FieldValue {
        case text(String)
        case number(Double)
        case present
    }

    private static func fromFields(scanner: TimestampScanner, field: (String) -> FieldValue?) -> StructuredLogLine? {
        var message: String?
        for key in messageKeys {
            if case .text(let text)? = field(key) {
                message = text
                break
            }
        }
        guard let message else { return nil }

        var line = StructuredLogLine(message: message)
        for key in levelKeys {
            if let level = level(field(key)) {
                line.level = level
                break
            }
        }
        if line.level == nil, let priority = field("PRIORITY") { line.level = syslogLevel(priority) }
        for key in serviceKeys {
            if case .text(let text)? = field(key), !text.isEmpty {
                line.service = text
                break
            }
        }
        for key in timestampKeys {
            guard let value = field(key) else { continue }
            line.timestamp = timestamp(value, scanner: scanner)
            if line.timestamp != nil { break }
        }
        line.hasStackTrace = stackKeys.contains { key in
            if case .text(let text)? = field(key) { return !text.isEmpty }
            if case .present? = field(key) { return true }
            return false
        }
        return line
    }

    /// Reads a level name, or a number on the scale of pino and bunyan (10 trace to 60 fatal).
    private static func level(_ value: FieldValue?) -> LogLevel? {
        switch value {
        case .text(let text)?:
            if let number = Double(text) { return level(.number(number)) }
            return LogLevel(name: text)
        case .number(let number)?:
            switch number {
            case 60...: return .fatal
            case 50..<60: return .error
            case 40..<50: return .warning
            case 30..<40: return .info
            case 20..<30: return .debug
            default: return .trace
            }
        default:
            return nil
        }
    }

    /// Reads a syslog severity number (0 emergency to 7 debug), as journald's `PRIORITY` field gives it.
    private static func syslogLevel(_ value: FieldValue) -> LogLevel? {
        let number: Double?
        switch value {
        case .text(let text): number = Double(text)
        case .number(let value): number = value
        case .present: number = nil
        }
        guard let number, number >= 0, number <= 7 else { return nil }
        let levels: [LogLevel] = [.emergency, .alert, .critical, .error, .warning, .notice, .info, .debug]
        return levels[Int(number)]
    }

    private static func timestamp(_ value: FieldValue, scanner: TimestampScanner) -> Double? {
        switch value {
        case .number(let number):
            if number > 1e17 { return number / 1e9 }
            if number > 1e14 { return number / 1e6 }
            if number > 1e11 { return number / 1e3 }
            return number > 9.7e8 ? number : nil
        case .text(let text):
            if let number = Double(text) { return timestamp(.number(number), scanner: scanner) }
            var bytes = Array(text.utf8)
            return bytes.withUnsafeMutableBufferPointer { buffer in
                scanner.match(UnsafeBufferPointer(buffer), at: 0, end: buffer.count)?.seconds
            }
        case .present:
            return nil
        }
    }
}

/// The `key=value` pairs of a logfmt line; values may be double-quoted with backslash escapes.
enum LogfmtPairs {
    /// Returns the pairs, the first of each key winning, or nil when a token is not a pair.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> [String: String]? {
        var pairs: [String: String] = [:]
        var position = start
        while position < end {
            while position < end, bytes[position] == ASCII.space || bytes[position] == ASCII.tab { position += 1 }
            guard position < end else { break }

            let keyStart = position
            while position < end, isKeyByte(bytes[position]) { position += 1 }
            guard position > keyStart, position < end, bytes[position] == ASCII.equals else { return nil }
            let key = String(decoding: UnsafeBufferPointer(rebasing: bytes[keyStart..<position]), as: UTF8.self)
            position += 1

            var value: [UInt8] = []
            if position < end, bytes[position] == ASCII.quote {
                position += 1
                var closed = false
                while position < end {
                    let byte = bytes[position]
                    position += 1
                    if byte == UInt8(ascii: "\\"), position < end {
                        value.append(unescape(bytes[position]))
                        position += 1
                    } else if byte == ASCII.quote {
                        closed = true
                        break
                    } else {
                        value.append(byte)
                    }
                }
                guard closed else { return nil }
            } else {
                while position < end, !ASCII.isWhitespace(bytes[position]) {
                    value.append(bytes[position])
                    position += 1
                }
            }
            if pairs[key] == nil { pairs[key] = String(decoding: value, as: UTF8.self) }
        }
        return pairs
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        ASCII.isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == ASCII.dot || byte == ASCII.dash
            || byte == UInt8(ascii: "@")
    }

    private static func unescape(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): return ASCII.newline
        case UInt8(ascii: "t"): return ASCII.tab
        case UInt8(ascii: "r"): return ASCII.carriageReturn
        default: return byte
        }
    }
}
