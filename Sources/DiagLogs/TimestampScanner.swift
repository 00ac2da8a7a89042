/// Recognizes a timestamp at a position in a log line and converts it to seconds since 1970.
///
/// Accepted forms are ISO 8601 / RFC 3339, also with a space before the time and a `,` or `.`
/// fraction (`2015-07-29 17:41:44,747`). Also accepted: a date alone (`2005.11.09`),
/// `yy/MM/dd HH:mm:ss` (Spark), `yyMMdd HHmmss` (HDFS), syslog `Jun 14 15:16:01` with an
/// optional year, ctime `Sun Dec 04 04:47:44 2005`, the common log format
/// `10/Oct/2000:13:55:36 -0700`, klog
/// `I0611 12:00:00.123456`, logcat `03-17 16:13:38.811`, BlueGene/L `2005-06-03-15.42.50.675872`,
/// `20171223-22:15:29:606`, epoch seconds or milliseconds (10 or 13 digits, years 2001 to 2100),
/// and a time of day alone. A timestamp without a zone is read as UTC, and one without a year
/// takes the latest year that does not put it more than a day after `referenceDate`.
struct TimestampScanner {
    struct Match {
        var end: Int
        /// Seconds since 1970, or nil when the text has no date (a time of day alone).
        var seconds: Double?
        /// True for the syslog form, after which a host name follows.
        var isSyslog = false
        /// The level of a klog timestamp (`I`, `W`, `E`, `F`).
        var level: LogLevel?
    }

    /// Days since 1970 and the year of the date that year-less timestamps are resolved against.
    private let referenceDays: Int
    private let referenceYear: Int

    init(referenceDate: Double) {
        referenceDays = Int((referenceDate / 86_400).rounded(.down))
        referenceYear = Self.civil(days: referenceDays).year
    }

    func match(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> Match? {
        guard start < end else { return nil }
        let first = bytes[start]
        if ASCII.isDigit(first) {
            return matchNumeric(bytes, start, end)
        }
        if ASCII.isUpper(first) {
            if let klog = matchKlog(bytes, start, end) { return klog }
            return matchNamed(bytes, start, end)
        }
        return nil
    }

    // MARK: - Forms that start with a digit

    private func matchNumeric(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Match? {
        let run = digitRun(bytes, start, end)
        let next = start + run < end ? bytes[start + run] : ASCII.space

        if run == 4, next == ASCII.dash || next == ASCII.slash || next == ASCII.dot {
            return matchYearFirst(bytes, start, end)
        }
        if run == 2, next == ASCII.slash {
            return matchShortSlashed(bytes, start, end)
        }
        if run == 2, next == ASCII.dash {
            return matchMonthDay(bytes, start, end)
        }
        if run == 8, next == ASCII.dash {
            return matchCompactDate(bytes, start, end)
        }
        if run == 6, let match = matchCompact(bytes, start, end) { return match }
        if run == 2 || run == 1, next == ASCII.colon {
            guard let time = scanTime(bytes, start, end) else { return nil }
            return Match(end: time.end, seconds: nil)
        }
        if run == 10 || run == 13, start + run == end || !ASCII.isAlphanumeric(next) {
            return matchEpoch(bytes, start, end, run: run)
        }
        return nil
    }

    /// `2015-07-29T17:41:44.747Z`, `2015-07-29 17:41:44,747`, `2005.11.09`.
    private func matchYearFirst(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Match? {
        let separator = bytes[start + 4]
        guard let year = ASCII.number(bytes, start, start + 4),
            let (month, afterMonth) = twoDigits(bytes, start + 5, end),
            afterMonth < end, bytes[afterMonth] == separator,
            let (day, afterDay) = twoDigits(bytes, afterMonth + 1, end),
            let days = Self.days(year: year, month: month, day: day)
        else { return nil }

        var position = afterDay
        var seconds = Double(days) * 86_400
        if position + 1 < end, bytes[position] == UInt8(ascii: "T") || bytes[position] == ASCII.space,
            let time = scanTime(bytes, position + 1, end)
        {
            seconds += time.seconds
            position = time.end
            if let zone = scanZone(bytes, position, end) {
                seconds -= zone.offset
                position = zone.end
            }
        } else if position + 1 < end, bytes[position] == ASCII.dash,
            let time = scanTime(bytes, position + 1, end, separator: ASCII.dot)
        {
            // `2005-06-03-15.42.50.675872`, as BlueGene/L RAS logs write it.
            seconds += time.seconds
            position = time.end
        } else if position < end, !ASCII.isWhitespace(bytes[position]) {
            return nil
        }
        return Match(end: position, seconds: seconds)
    }

    /// `03-17 16:13:38.811`: month and day without a year, as Android's logcat writes them.
    private func matchMonthDay(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Match? {
        guard start + 6 < end, bytes[start + 5] == ASCII.space,
            let month = ASCII.number(bytes, start, start + 2),
            let day = ASCII.number(bytes, start + 3, start + 5),
            let time = scanTime(bytes, start + 6, end),
            let days = Self.days(year: inferredYear(month: month, day: day), month: month, day: day)
        else { return nil }
        return Match(end: time.end, seconds: Double(days) * 86_400 + time.seconds)
    }

    /// `20171223-22:15:29:606`: a compact date, then the time with milliseconds after a colon.
    private func matchCompactDate(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Match? {
        guard let year = ASCII.number(bytes, start, start + 4),
            let month = ASCII.number(bytes, start + 4, start + 6),
            let day = ASCII.number(bytes, start + 6, start + 8),
            let days = Self.days(year: year, month: month, day: day),
            let time = scanTime(bytes, start + 9, end)
        else { return nil }
        return Match(end: time.end, seconds: Double(days) * 86_400 + time.seconds)
    }

    /// `17/06/09 20:10:40`: two-digit year, month and day, as log4j's default layout writes them.
    private func matchShortSlashed(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Match? {
        guard start + 8 < end, bytes[start + 5] == ASCII.slash, bytes[start + 8] == ASCII.space,
            let year = ASCII.number(bytes, start, start + 2),
            let month = ASCII.number(bytes, start + 3, start + 5),
            let day = ASCII.number(bytes, start + 6, start + 8),
            let days = Self.days(year: 2000 + year, month: month, day: day),
            let time = scanTime(bytes, start + 9, end)
        else { return matchCommonLogFormat(bytes, start, end) }
        return Match(end: time.end, seconds: Double(days) * 86_400 + time.seconds)
    }

    /// `081109 203615`: HDFS's `yyMMdd HHmmss`.
    private func matchCompact(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Match? {
        guard start + 13 <= end, bytes[start + 6] == ASCII.space,
            digitRun(bytes, start + 7, end) == 6,
            let year = ASCII.number(bytes, start, start + 2),
            let month = ASCII.number(bytes, start + 2, start + 4),
            let day = ASCII.number(bytes, start + 4, start + 6),
            let hour = ASCII.number(bytes, start + 7, start + 9),
            let minute = ASCII.number(bytes, start + 9, start + 11),
            let second = ASCII.number(bytes, start + 11, start + 13),
            hour < 24, minute < 60, second < 61,
            let days = Self.days(year: 2000 + year, month: month, day: day)
        else { return nil }
        let seconds = Double(days) * 86_400 + Double(hour * 3600 + minute * 60 + second)
        return Match(end: start + 13, seconds: seconds)
    }

    /// `10/Oct/2000:13:55:36 -0700`, the Apache and NGINX access log form.
    private func matchCommonLogFormat(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Match? {
        guard start + 20 <= end, bytes[start + 2] == ASCII.slash, bytes[start + 6] == ASCII.slash,
            bytes[start + 11] == ASCII.colon,
            let day = ASCII.number(bytes, start, start + 2),
            let month = Self.month(bytes, start + 3),
            let year = ASCII.number(bytes, start + 7, start + 11),
            let days = Self.days(year: year, month: month, day: day),
            let time = scanTime(bytes, start + 12, end)
        else { return nil }
        var seconds = Double(days) * 86_400 + time.seconds
        var position = time.end
        if position + 1 < end, bytes[position] == ASCII.space, let zone = scanZone(bytes, position + 1, end) {
            seconds -= zone.offset
            position = zone.end
        }
        return Match(end: position, seconds: seconds)
    }

    private func matchEpoch(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, run: Int) -> Match? {
        guard let value = ASCII.number(bytes, start, start + run) else { return nil }
        let seconds = run == 13 ? Double(value) / 1000 : Double(value)
        guard seconds >= 978_307_200, seconds < 4_102_444_800 else { return nil }
        var position = start + run
        if position + 1 < end, bytes[position] == ASCII.dot, ASCII.isDigit(bytes[position + 1]) {
            position += 1
            position += digitRun(bytes, position, end)
        }
        return Match(end: position, seconds: seconds)
    }

    // MARK: - Forms that start with a name

    /// `Jun 14 15:16:01`, `Jun  9 15:16:01 2005`, `Sun Dec 04 04:47:44 2005`.
    private func matchNamed(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Match? {
        var position = start
        if Self.weekday(bytes, position, end) {
            position += 3
            if position < end, bytes[position] == ASCII.comma { position += 1 }
            guard position < end, bytes[position] == ASCII.space else { return nil }
            position += 1
        }
        guard position + 3 < end, let month = Self.month(bytes, position), bytes[position + 3] == ASCII.space
        else { return nil }
        position += 4
        while position < end, bytes[position] == ASCII.space { position += 1 }
        let dayDigits = digitRun(bytes, position, end)
        guard dayDigits == 1 || dayDigits == 2, let day = ASCII.number(bytes, position, position + dayDigits),
            position + dayDigits < end, bytes[position + dayDigits] == ASCII.space,
            let time = scanTime(bytes, position + dayDigits + 1, end)
        else { return nil }
        position = time.end

        var year: Int?
        if position + 5 <= end, bytes[position] == ASCII.space, digitRun(bytes, position + 1, end) == 4 {
            year = ASCII.number(bytes, position + 1, position + 5)
            position += 5
        }
        let resolvedYear = year ?? inferredYear(month: month, day: day)
        guard let days = Self.days(year: resolvedYear, month: month, day: day) else { return nil }
        return Match(end: position, seconds: Double(days) * 86_400 + time.seconds, isSyslog: year == nil)
    }

    /// `I0611 12:00:00.123456`: klog's level letter, month and day, then the time.
    private func matchKlog(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Match? {
        let level: LogLevel
        switch bytes[start] {
        case UInt8(ascii: "I"): level = .info
        case UInt8(ascii: "W"): level = .warning
        case UInt8(ascii: "E"): level = .error
        case UInt8(ascii: "F"): level = .fatal
        default: return nil
        }
        guard start + 6 < end, digitRun(bytes, start + 1, end) == 4, bytes[start + 5] == ASCII.space,
            let month = ASCII.number(bytes, start + 1, start + 3),
            let day = ASCII.number(bytes, start + 3, start + 5),
            let time = scanTime(bytes, start + 6, end),
            let days = Self.days(year: inferredYear(month: month, day: day), month: month, day: day)
        else { return nil }
        return Match(end: time.end, seconds: Double(days) * 86_400 + time.seconds, level: level)
    }

    // MARK: - Parts

    /// Scans `H:mm`, `HH:mm:ss` and an optional fraction after `.`, `,` or (three digits) `:`, and
    /// returns the end and the seconds of the day. `separator` replaces `:` between the fields.
    func scanTime(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, separator: UInt8 = ASCII.colon)
        -> (end: Int, seconds: Double)?
    {
        let hourDigits = digitRun(bytes, start, end)
        guard hourDigits == 1 || hourDigits == 2, let hour = ASCII.number(bytes, start, start + hourDigits),
            hour < 24
        else { return nil }
        var position = start + hourDigits
        guard position < end, bytes[position] == separator,
            let (minute, afterMinute) = twoDigits(bytes, position + 1, end), minute < 60
        else { return nil }
        position = afterMinute
        var seconds = Double(hour * 3600 + minute * 60)
        if position < end, bytes[position] == separator, let (second, afterSecond) = twoDigits(bytes, position + 1, end),
            second < 61
        {
            seconds += Double(second)
            position = afterSecond
            let millisecondsAfterColon = position + 4 <= end && bytes[position] == ASCII.colon
                && digitRun(bytes, position + 1, end) == 3
            if position + 1 < end, bytes[position] == ASCII.dot || bytes[position] == ASCII.comma || millisecondsAfterColon,
                ASCII.isDigit(bytes[position + 1])
            {
                let fractionStart = position + 1
                let digits = min(digitRun(bytes, fractionStart, end), 9)
                if let fraction = ASCII.number(bytes, fractionStart, fractionStart + digits) {
                    var scale = 1.0
                    for _ in 0..<digits { scale *= 10 }
                    seconds += Double(fraction) / scale
                }
                position = fractionStart + digitRun(bytes, fractionStart, end)
            }
        }
        if position < end, ASCII.isAlphanumeric(bytes[position]), bytes[position] != UInt8(ascii: "Z") {
            return nil
        }
        return (position, seconds)
    }

    /// Scans `Z`, `+02:00` or `-0700` and returns the end and the offset east of UTC in seconds.
    private func scanZone(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (end: Int, offset: Double)? {
        guard start < end else { return nil }
        if bytes[start] == UInt8(ascii: "Z") { return (start + 1, 0) }
        guard bytes[start] == UInt8(ascii: "+") || bytes[start] == ASCII.dash,
            let (hours, afterHours) = twoDigits(bytes, start + 1, end)
        else { return nil }
        var position = afterHours
        if position < end, bytes[position] == ASCII.colon { position += 1 }
        guard let (minutes, afterMinutes) = twoDigits(bytes, position, end) else { return nil }
        let sign: Double = bytes[start] == ASCII.dash ? -1 : 1
        return (afterMinutes, sign * Double(hours * 3600 + minutes * 60))
    }

    private func twoDigits(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int)? {
        guard start + 2 <= end, ASCII.isDigit(bytes[start]), ASCII.isDigit(bytes[start + 1]) else { return nil }
        return (Int(bytes[start] &- 0x30) * 10 + Int(bytes[start + 1] &- 0x30), start + 2)
    }

    private func digitRun(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var position = start
        while position < end, ASCII.isDigit(bytes[position]) { position += 1 }
        return position - start
    }

    private func inferredYear(month: Int, day: Int) -> Int {
        guard let days = Self.days(year: referenceYear, month: month, day: day) else { return referenceYear }
        return days > referenceDays + 1 ? referenceYear - 1 : referenceYear
    }
}
