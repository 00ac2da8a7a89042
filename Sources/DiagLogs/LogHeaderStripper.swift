import Foundation

/// The header fields found at the start of a log line.
public struct LogHeader: Sendable, Equatable {
    /// The offset where the message starts, after the header.
    public var messageStart: Int
    /// Seconds since 1970 of the first dated timestamp in the header.
    public var timestamp: Double?
    public var level: LogLevel?
    /// The byte range of a syslog program name (`sshd` in `sshd[19939]:`), which reports use as the service.
    public var program: Range<Int>?
}

/// Finds and skips the header of a log line without a per-format configuration.
///
/// The header is read as a run of elements. Elements are timestamps (see `TimestampScanner`),
/// levels (`INFO`, `[error]`), bracketed groups after a first element (`[main]`, `[1234]`),
/// process ids after a timestamp (`081109 203615 148`) and separators (`-`, `|`). The host after
/// a syslog timestamp, or a token before any timestamp, is skipped as well.
///
/// The last element is a component tag: `sshd(pam_unix)[19939]:`, a logger name such as
/// `dfs.DataNode$PacketResponder:`, or a plain `kernel:` after a syslog host or right after a
/// level that follows a timestamp. After the component only separators and a level may follow,
/// so a message that starts with `ERROR` or `error:` keeps it. For the same reason a bare level
/// before any timestamp must be upper case.
public struct LogHeaderStripper: Sendable {
    let scanner: TimestampScanner

    /// Creates a stripper that resolves timestamps without a year against `referenceDate`.
    public init(referenceDate: Date = Date()) {
        scanner = TimestampScanner(referenceDate: referenceDate.timeIntervalSince1970)
    }

    /// Returns the message without its header, and the header fields.
    public func strip(_ line: String) -> (message: String, header: LogHeader) {
        var bytes = Array(line.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            let readOnly = UnsafeBufferPointer(buffer)
            let header = strip(readOnly, from: 0, to: readOnly.count)
            let message = String(decoding: UnsafeBufferPointer(rebasing: readOnly[header.messageStart...]), as: UTF8.self)
            return (message, header)
        }
    }

    /// Returns the header fields of the line in `bytes[start..<end]`.
    public func strip(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> LogHeader {
        var header = LogHeader(messageStart: start)
        var position = start
        var elements = 0
        var syslog = SyslogState.none
        var componentSeen = false
        var afterTimestamp = false
        var levelJustRead = false

        for _ in 0..<24 {
            position = skipSpaces(bytes, position, end)
            guard position < end else { break }
            let tokenEnd = nextSpace(bytes, position, end)
            let afterLevel = levelJustRead
            levelJustRead = false

            if isSeparator(bytes, position, tokenEnd), elements > 0 || position == start {
                position = tokenEnd
                header.messageStart = position
                continue
            }
            if componentSeen {
                guard header.level == nil, let level = bareLevel(bytes, position, tokenEnd) else { break }
                header.level = level
                position = tokenEnd
                header.messageStart = position
                continue
            }
            if syslog == .expectingHost {
                syslog = .afterHost
                if let program = programTag(bytes, position, tokenEnd) {
                    header.program = program
                    componentSeen = true
                }
                position = tokenEnd
                header.messageStart = position
                continue
            }

            if let match = scanner.match(bytes, at: position, end: end), endsElement(bytes, match.end, end) {
                if header.timestamp == nil { header.timestamp = match.seconds }
                if header.level == nil { header.level = match.level }
                syslog = match.isSyslog ? .expectingHost : .none
                position = match.end < end && !ASCII.isWhitespace(bytes[match.end]) ? match.end + 1 : match.end
                afterTimestamp = true
            } else if bytes[position] == ASCII.openBracket {
                guard let next = bracketGroup(bytes, position, end, elements: elements, header: &header) else { break }
                position = next
            } else if elements == 0, let next = priority(bytes, position, tokenEnd) {
                position = next
            } else if afterTimestamp, let next = containerStream(bytes, position, tokenEnd, end) {
                position = next
            } else if header.level == nil, let level = bareLevel(bytes, position, tokenEnd, afterTimestamp: afterTimestamp) {
                header.level = level
                position = tokenEnd
                levelJustRead = afterTimestamp
                elements += 1
                header.messageStart = position
                continue
            } else if elements > 0, tokenEnd - position <= 7, isDigits(bytes, position, tokenEnd) {
                position = tokenEnd
            } else if elements > 0, let program = programTag(bytes, position, tokenEnd) {
                header.program = program
                componentSeen = true
                position = tokenEnd
            } else if elements > 0, isLoggerName(bytes, position, tokenEnd, end: end) || isSourceLocation(bytes, position, tokenEnd) {
                componentSeen = true
                position = tokenEnd
            } else if syslog == .afterHost || afterLevel, isPlainTag(bytes, position, tokenEnd) {
                header.program = position..<(tokenEnd - 1)
                componentSeen = true
                position = tokenEnd
            } else if elements > 0 || isLabel(bytes, position, tokenEnd), precedesDatedTimestamp(bytes, tokenEnd, end) {
                position = tokenEnd
            } else {
                break
            }
            elements += 1
            header.messageStart = position
        }
        header.messageStart = skipSpaces(bytes, header.messageStart, end)
        return header
    }

    private enum SyslogState {
        case none, expectingHost, afterHost
    }
}
