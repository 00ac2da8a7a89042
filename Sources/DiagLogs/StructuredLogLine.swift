/// The fields of a JSON or logfmt log line that the error report uses.
///
/// Only the message is grouped; the level and service split the report, and the timestamp places
/// the line in the window. Every other field is dropped unread, so none of it reaches the report.
/// The message and service stay byte ranges of the line (see `FieldText`).
struct StructuredLogLine: Equatable {
    var message: FieldText
    var level: LogLevel?
    var service: FieldText?
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
    /// `slots` comes from `StructuredFieldScanner.makeSlots()` and is reused between lines.
    static func parseJSON(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scanner: TimestampScanner,
        slots: inout [FieldValue?]
    ) -> StructuredLogLine? {
        guard StructuredFieldScanner.scanJSON(bytes, start, end, into: &slots) else { return nil }
        return fromFields(slots, bytes, scanner: scanner)
    }

    /// Parses a logfmt line (`level=error msg="connect failed" service=api`); returns nil unless the
    /// whole line is `key=value` pairs, at least two of them, including a message or level key.
    static func parseLogfmt(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scanner: TimestampScanner,
        slots: inout [FieldValue?]
    ) -> StructuredLogLine? {
        guard let count = LogfmtPairs.parse(bytes, start, end, into: &slots), count >= 2 else { return nil }
        let hasKnownKey = (messageSlots.lowerBound..<levelSlots.upperBound).contains { slots[$0] != nil }
        guard hasKnownKey else { return nil }
        return fromFields(slots, bytes, scanner: scanner)
    }

    enum FieldValue: Equatable {
        case text(FieldText)
        case number(Double)
        case present
    }

    // The slots of each key list in `StructuredFieldScanner.keys`, which concatenates the lists in
    // this order. They are literals so that reading them per line costs no lazy initialization, and
    // `StructuredFieldScanner.keys` checks them against the lists' lengths.
    static let messageSlots = 0..<9
    static let levelSlots = 9..<16
    static let serviceSlots = 16..<25
    static let timestampSlots = 25..<32
    static let stackSlots = 32..<38
    static let prioritySlot = 38

    private static func fromFields(
        _ slots: [FieldValue?], _ bytes: UnsafeBufferPointer<UInt8>, scanner: TimestampScanner
    ) -> StructuredLogLine? {
        var message: FieldText?
        for slot in messageSlots {
            if case .text(let text)? = slots[slot] {
                message = text
                break
            }
        }
        guard let message else { return nil }

        var line = StructuredLogLine(message: message)
        for slot in levelSlots {
            if let level = level(slots[slot], bytes) {
                line.level = level
                break
            }
        }
        if line.level == nil, let priority = slots[prioritySlot] { line.level = syslogLevel(priority, bytes) }
        for slot in serviceSlots {
            if case .text(let text)? = slots[slot], !text.isEmpty {
                line.service = text
                break
            }
        }
        for slot in timestampSlots {
            guard let value = slots[slot] else { continue }
            line.timestamp = timestamp(value, bytes, scanner: scanner)
            if line.timestamp != nil { break }
        }
        line.hasStackTrace = stackSlots.contains { slot in
            if case .text(let text)? = slots[slot] { return !text.isEmpty }
            if case .present? = slots[slot] { return true }
            return false
        }
        return line
    }

    /// Returns the number in a text field such as `"50"`, or nil when it is not a number.
    private static func number(_ text: FieldText, _ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard text.escaping == .none else { return nil }
        return ASCII.jsonNumber(bytes, text.start, text.end)
    }

    /// Reads a level name, or a number on the scale of pino and bunyan (10 trace to 60 fatal).
    private static func level(_ value: FieldValue?, _ bytes: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        switch value {
        case .text(let text)?:
            if let number = number(text, bytes) { return level(.number(number), bytes) }
            if text.escaping != .none { return LogLevel(name: text.string(bytes)) }
            return LogLevel.parse(bytes, text.start, text.end, caseInsensitive: true)
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
    private static func syslogLevel(_ value: FieldValue, _ bytes: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        let number: Double?
        switch value {
        case .text(let text): number = Self.number(text, bytes)
        case .number(let value): number = value
        case .present: number = nil
        }
        guard let number, number >= 0, number <= 7 else { return nil }
        let levels: [LogLevel] = [.emergency, .alert, .critical, .error, .warning, .notice, .info, .debug]
        return levels[Int(number)]
    }

    private static func timestamp(_ value: FieldValue, _ bytes: UnsafeBufferPointer<UInt8>, scanner: TimestampScanner) -> Double? {
        switch value {
        case .number(let number):
            if number > 1e17 { return number / 1e9 }
            if number > 1e14 { return number / 1e6 }
            if number > 1e11 { return number / 1e3 }
            return number > 9.7e8 ? number : nil
        case .text(let text):
            if let number = number(text, bytes) { return timestamp(.number(number), bytes, scanner: scanner) }
            guard text.escaping != .none else { return scanner.match(bytes, at: text.start, end: text.end)?.seconds }
            var decoded: [UInt8] = []
            text.decode(bytes, into: &decoded)
            return decoded.withUnsafeBufferPointer { scanner.match($0, at: 0, end: $0.count)?.seconds }
        case .present:
            return nil
        }
    }
}
