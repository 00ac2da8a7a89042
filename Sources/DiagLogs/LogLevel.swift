/// A log line's severity, normalized from the spellings that logging libraries use.
public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case trace, debug, info, notice, warning, error, critical, alert, emergency, fatal, panic

    /// True for the levels that count as errors: error and everything more severe.
    public var isError: Bool { self >= .error }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }

    /// The position in `allCases`, from least to most severe. A switch rather than a search of
    /// `allCases`, because every counted line needs it.
    var rank: Int {
        switch self {
        case .trace: return 0
        case .debug: return 1
        case .info: return 2
        case .notice: return 3
        case .warning: return 4
        case .error: return 5
        case .critical: return 6
        case .alert: return 7
        case .emergency: return 8
        case .fatal: return 9
        case .panic: return 10
        }
    }

    /// Returns the level whose `rank` is `rank`, or nil.
    init?(rank: Int) {
        switch rank {
        case 0: self = .trace
        case 1: self = .debug
        case 2: self = .info
        case 3: self = .notice
        case 4: self = .warning
        case 5: self = .error
        case 6: self = .critical
        case 7: self = .alert
        case 8: self = .emergency
        case 9: self = .fatal
        case 10: self = .panic
        default: return nil
        }
    }

    /// Parses a level name in any letter case (`ERROR`, `err`, `Warning`, `crit`, `SEVERE`, `FINE`,
    /// `eror` as logfmt writers abbreviate it); returns nil for anything else.
    public init?(name: String) {
        var bytes = Array(name.utf8)
        guard let level = bytes.withUnsafeMutableBufferPointer({
            Self.parse(UnsafeBufferPointer($0), 0, $0.count, caseInsensitive: true)
        }) else { return nil }
        self = level
    }

    /// Parses the level name in `bytes[start..<end]`; without `caseInsensitive` only upper-case
    /// spellings match, because a lower-case `error` at the start of a message is usually text.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, caseInsensitive: Bool) -> LogLevel? {
        let length = end - start
        guard length >= 3, length <= 9 else { return nil }
        return spellingTable.value(bytes, start, end, foldingCase: caseInsensitive).flatMap(LogLevel.init(rank:))
    }

    /// The spellings with the `rank` of their level, for lookups by whole words.
    private static let spellingTable = PackedNameTable(spellings.map { ($0.0.description, $0.1.rank) })

    private static let spellings: [(StaticString, LogLevel)] = [
        ("INFO", .info), ("WARN", .warning), ("ERROR", .error), ("DEBUG", .debug), ("TRACE", .trace),
        ("WARNING", .warning), ("FATAL", .fatal), ("CRITICAL", .critical), ("NOTICE", .notice),
        ("ERR", .error), ("EROR", .error), ("CRIT", .critical), ("SEVERE", .error), ("PANIC", .panic),
        ("ALERT", .alert), ("EMERG", .emergency), ("EMERGENCY", .emergency), ("FINE", .debug),
        ("FINER", .trace), ("FINEST", .trace), ("DBG", .debug), ("INF", .info), ("WRN", .warning),
        ("FTL", .fatal), ("CRT", .critical),
    ]
}
