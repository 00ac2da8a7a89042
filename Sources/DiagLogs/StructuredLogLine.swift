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
    /// `slots` comes from `StructuredFieldScanner.makeSlots()` and is reused between lines.
    static func parseJSON(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scanner: TimestampScanner,
        slots: inout [FieldValue?]
    ) -> StructuredLogLine? {
        guard StructuredFieldScanner.scanJSON(bytes, start, end, into: &slots) else { return nil }
        return fromFields(slots, scanner: scanner)
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
        return fromFields(slots, scanner: scanner)
    }

    enum FieldValue {
        case text(String)
        case number(Double)
        case present
    }

    // The slots of each key list in `StructuredFieldScanner.keys`, which concatenates the lists in this order.
    static let messageSlots = 0..<messageKeys.count
    static let levelSlots = messageSlots.upperBound..<(messageSlots.upperBound + levelKeys.count)
    static let serviceSlots = levelSlots.upperBound..<(levelSlots.upperBound + serviceKeys.count)
    static let timestampSlots = serviceSlots.upperBound..<(serviceSlots.upperBound + timestampKeys.count)
    static let stackSlots = timestampSlots.upperBound..<(timestampSlots.upperBound + stackKeys.count)
    static let prioritySlot = stackSlots.upperBound

    private static func fromFields(_ slots: [FieldValue?], scanner: TimestampScanner) -> StructuredLogLine? {
        var message: String?
        for slot in messageSlots {
            if case .text(let text)? = slots[slot] {
                message = text
                break
            }
        }
        guard let message else { return nil }

        var line = StructuredLogLine(message: message)
        for slot in levelSlots {
            if let level = level(slots[slot]) {
                line.level = level
                break
            }
        }
        if line.level == nil, let priority = slots[prioritySlot] { line.level = syslogLevel(priority) }
        for slot in serviceSlots {
            if case .text(let text)? = slots[slot], !text.isEmpty {
                line.service = text
                break
            }
        }
        for slot in timestampSlots {
            guard let value = slots[slot] else { continue }
            line.timestamp = timestamp(value, scanner: scanner)
            if line.timestamp != nil { break }
        }
        line.hasStackTrace = stackSlots.contains { slot in
            if case .text(let text)? = slots[slot] { return !text.isEmpty }
            if case .present? = slots[slot] { return true }
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
    /// Fills `slots` with the values of the keys `StructuredFieldScanner` reads, the first of each
    /// key winning, and returns the number of pairs, or nil when a token is not a pair.
    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into slots: inout [StructuredLogLine.FieldValue?]
    ) -> Int? {
        // A line whose first token is not a key followed by `=` is not logfmt; most text lines end here.
        var first = start
        while first < end, bytes[first] == ASCII.space || bytes[first] == ASCII.tab { first += 1 }
        while first < end, isKeyByte(bytes[first]) { first += 1 }
        guard first < end, bytes[first] == ASCII.equals else { return nil }

        for index in slots.indices { slots[index] = nil }
        var count = 0
        var value: [UInt8] = []
        var position = start
        while position < end {
            while position < end, bytes[position] == ASCII.space || bytes[position] == ASCII.tab { position += 1 }
            guard position < end else { break }

            let keyStart = position
            while position < end, isKeyByte(bytes[position]) { position += 1 }
            guard position > keyStart, position < end, bytes[position] == ASCII.equals else { return nil }
            let slot = StructuredFieldScanner.slot(bytes, keyStart, position)
            let wanted = slot.map { slots[$0] == nil } ?? false
            position += 1
            count += 1

            value.removeAll(keepingCapacity: true)
            if position < end, bytes[position] == ASCII.quote {
                position += 1
                var closed = false
                while position < end {
                    let byte = bytes[position]
                    position += 1
                    if byte == UInt8(ascii: "\\"), position < end {
                        if wanted { value.append(unescape(bytes[position])) }
                        position += 1
                    } else if byte == ASCII.quote {
                        closed = true
                        break
                    } else if wanted {
                        value.append(byte)
                    }
                }
                guard closed else { return nil }
            } else {
                let valueStart = position
                while position < end, !ASCII.isWhitespace(bytes[position]) { position += 1 }
                if wanted { value.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[valueStart..<position])) }
            }
            if wanted, let slot { slots[slot] = .text(String(decoding: value, as: UTF8.self)) }
        }
        return count
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
