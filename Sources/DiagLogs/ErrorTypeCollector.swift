import Foundation

/// Reads the log lines of one source and counts its error lines by template, service and level.
///
/// Each line is read as JSON (a line starting with `{`), logfmt, an access-log line, or plain
/// text with a header that `LogHeaderStripper` removes. A line is an error when its level is error
/// or more severe, or when its message names an exception or starts a panic. JSON and logfmt lines
/// with a stack-trace field, and access-log lines with a 5xx status, are errors too. Indented lines
/// and other stack-trace continuations belong to the line before them and are skipped. Only error
/// lines reach the miner; lines whose timestamp lies outside the window are skipped.
public struct ErrorTypeCollector: Sendable {
    /// The settings of a collector; the defaults suit every kind of input.
    public struct Configuration: Sendable {
        public var window: ErrorTypeReport.Window?
        public var miner: LogTemplateMiner.Configuration
        /// The maximum number of distinct services; lines of further services are reported as `other`.
        public var maximumServices: Int
        /// The maximum number of (entry, service, level) counters; error lines beyond it count as other.
        public var maximumCounters: Int
        /// Bytes of a line beyond this are ignored.
        public var maximumLineBytes: Int
        /// Resolves timestamps without a year; defaults to the window's end or now.
        public var referenceDate: Date?
        /// Mines and counts every line, error or not, under its own level; meant for measuring
        /// the miner on whole logs, never for a bundle.
        public var includesNonErrorLines: Bool

        /// The tenant masking applied to messages and service names before grouping, so that no
        /// count is per tenant. Collections in partner and self-hosted mode set it.
        public var tenantMasking: TenantMasking? {
            get { miner.tenantMasking }
            set { miner.tenantMasking = newValue }
        }

        public init(
            window: ErrorTypeReport.Window? = nil, miner: LogTemplateMiner.Configuration = .init(),
            maximumServices: Int = 100, maximumCounters: Int = 50_000, maximumLineBytes: Int = 65_536,
            referenceDate: Date? = nil, tenantMasking: TenantMasking? = nil, includesNonErrorLines: Bool = false
        ) {
            self.window = window
            self.miner = miner
            self.maximumServices = max(1, maximumServices)
            self.maximumCounters = max(1, maximumCounters)
            self.maximumLineBytes = max(256, maximumLineBytes)
            self.referenceDate = referenceDate
            self.includesNonErrorLines = includesNonErrorLines
            if let tenantMasking { self.miner.tenantMasking = tenantMasking }
        }
    }

    /// The fields of a line given by its source, such as Loki's stream labels. Each field that
    /// is set wins over the value read from the line.
    public struct LineFields: Sendable, Equatable {
        public var service: String?
        public var level: LogLevel?
        /// Seconds since 1970.
        public var timestamp: Double?

        public init(service: String? = nil, level: LogLevel? = nil, timestamp: Double? = nil) {
            self.service = service
            self.level = level
            self.timestamp = timestamp
        }
    }

    public let name: String
    public let configuration: Configuration
    var miner: LogTemplateMiner
    var counters: ErrorCounters
    var services: ServiceNames
    let stripper: LogHeaderStripper
    let scanner: TimestampScanner

    var linesRead = 0
    var errorLines = 0
    var skippedOutsideWindow = 0
    var unparsableLines = 0
    var continuationLines = 0
    var truncatedLines = 0
    /// Selected lines (see `add(selectedLine:fields:)`) whose level is below error.
    public private(set) var belowErrorLevelLines = 0
    /// The fields of the selected line being read, or nil for a line read from a file.
    private var selectedFields: LineFields?
    /// Field values of the JSON or logfmt line being read, reused so lines allocate no slot array.
    private var fieldSlots = StructuredFieldScanner.makeSlots()
    /// Bytes of decoded messages and access-log routes, reused between lines.
    private var scratch: [UInt8] = []

    public init(name: String, configuration: Configuration = Configuration()) {
        self.name = name
        self.configuration = configuration
        miner = LogTemplateMiner(configuration: configuration.miner)
        counters = ErrorCounters(bucketCount: configuration.window?.bucketCount ?? 0, capacity: configuration.maximumCounters)
        // Counter keys hold a service number in 24 bits (see `ErrorCounters.Key.packed`).
        services = ServiceNames(capacity: min(configuration.maximumServices, 1 << 20), tenantMasking: configuration.tenantMasking)
        let reference = configuration.referenceDate ?? configuration.window?.end ?? Date()
        stripper = LogHeaderStripper(referenceDate: reference)
        scanner = TimestampScanner(referenceDate: reference.timeIntervalSince1970)
    }

    /// Reads one line, without its line terminator.
    public mutating func add(line: String) {
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            add(UnsafeBufferPointer(buffer), from: 0, to: buffer.count)
        }
    }

    /// Reads one line that a query already selected as a likely error, such as a Loki line
    /// that matched an error word. Only its first line is read when it contains several.
    ///
    /// `fields` win over the values read from the line. The line counts as an error unless its level is
    /// known and below error, which `belowErrorLevelLines` counts instead.
    public mutating func add(selectedLine line: String, fields: LineFields) {
        selectedFields = fields
        defer { selectedFields = nil }
        var bytes = Array(line.utf8)
        let firstLineEnd = bytes.firstIndex(of: ASCII.newline) ?? bytes.count
        bytes.withUnsafeMutableBufferPointer { buffer in
            add(UnsafeBufferPointer(buffer), from: 0, to: firstLineEnd)
        }
    }

    /// Reads the line in `bytes[start..<end]`, without its line terminator.
    public mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
        linesRead += 1
        var end = end
        if end - start > configuration.maximumLineBytes {
            end = start + configuration.maximumLineBytes
            truncatedLines += 1
        }
        while end > start, ASCII.isWhitespace(bytes[end - 1]) { end -= 1 }
        guard end > start else { return }
        if ErrorSignal.isContinuation(bytes, start, end) {
            continuationLines += 1
            return
        }

        if bytes[start] == UInt8(ascii: "{") {
            guard let line = StructuredLogLine.parseJSON(bytes, start, end, scanner: scanner, slots: &fieldSlots) else {
                unparsableLines += 1
                return
            }
            addStructured(line, bytes)
        } else if let line = StructuredLogLine.parseLogfmt(bytes, start, end, scanner: scanner, slots: &fieldSlots) {
            addStructured(line, bytes)
        } else if let access = AccessLogLine.parse(bytes, start, end, scanner: scanner) {
            addAccess(access, bytes)
        } else {
            addText(bytes, start, end)
        }
    }

    private mutating func addText(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        let header = stripper.strip(bytes, from: start, to: end)
        let messageStart = header.messageStart
        if messageStart > start, let line = embeddedStructuredLine(bytes, messageStart, end, header: header) {
            addStructured(line, bytes)
            return
        }
        if ErrorSignal.isTracebackHead(bytes, messageStart, end) {
            // The exception line that ends the traceback is counted instead.
            continuationLines += 1
            return
        }
        let timestamp = selectedFields?.timestamp ?? header.timestamp
        guard isInWindow(timestamp) else { return }
        let level = selectedFields?.level ?? header.level
        guard isError(level: level, signal: { ErrorSignal.isExceptionHead(bytes, messageStart, end) }) else { return }

        let entry = miner.add(bytes, from: messageStart, to: end)
        let service = header.program.map { FieldText(start: $0.lowerBound, end: $0.upperBound, escaping: .none) }
        record(entry: entry, service: serviceNumber(service, bytes), level: level, timestamp: timestamp)
    }

    /// Decides whether a line is counted: by its level when it has one of error or above, by
    /// `signal` (an exception, a stack trace) otherwise. A selected line counts unless its level
    /// is below error, and every line counts with `includesNonErrorLines`.
    private mutating func isError(level: LogLevel?, signal: () -> Bool) -> Bool {
        if configuration.includesNonErrorLines || level?.isError == true { return true }
        guard selectedFields != nil else { return signal() }
        if level == nil || signal() { return true }
        belowErrorLevelLines += 1
        return false
    }

    /// Returns the JSON or logfmt message after a text header, as container runtimes and syslog
    /// write them, with the header's timestamp, level and program where the message has none.
    private mutating func embeddedStructuredLine(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, header: LogHeader
    ) -> StructuredLogLine? {
        var line: StructuredLogLine?
        if start < end, bytes[start] == UInt8(ascii: "{") {
            line = StructuredLogLine.parseJSON(bytes, start, end, scanner: scanner, slots: &fieldSlots)
        } else if header.level == nil {
            line = StructuredLogLine.parseLogfmt(bytes, start, end, scanner: scanner, slots: &fieldSlots)
        }
        guard var line else { return nil }
        if line.timestamp == nil { line.timestamp = header.timestamp }
        if line.level == nil { line.level = header.level }
        if line.service == nil, let program = header.program {
            line.service = FieldText(start: program.lowerBound, end: program.upperBound, escaping: .none)
        }
        return line
    }

    private mutating func addStructured(_ line: StructuredLogLine, _ lineBytes: UnsafeBufferPointer<UInt8>) {
        guard line.message.escaping != .none else {
            addMessage(of: line, lineBytes, lineBytes, line.message.start, line.message.end)
            return
        }
        // Decoding needs a buffer: the scratch one, moved out while it is read.
        var decoded = scratch
        scratch = []
        decoded.removeAll(keepingCapacity: true)
        line.message.decode(lineBytes, into: &decoded)
        decoded.withUnsafeBufferPointer { addMessage(of: line, lineBytes, $0, 0, $0.count) }
        scratch = decoded
    }

    /// Mines the message in `messageBytes[start..<end]` when `line` is an error. The line's
    /// other fields point into `lineBytes`.
    private mutating func addMessage(
        of line: StructuredLogLine, _ lineBytes: UnsafeBufferPointer<UInt8>, _ messageBytes: UnsafeBufferPointer<UInt8>,
        _ start: Int, _ end: Int
    ) {
        let header = stripper.strip(messageBytes, from: start, to: end)
        let level = selectedFields?.level ?? line.level ?? header.level
        let timestamp = selectedFields?.timestamp ?? line.timestamp ?? header.timestamp
        guard isInWindow(timestamp) else { return }
        let isError = isError(level: level) {
            line.hasStackTrace || ErrorSignal.isExceptionHead(messageBytes, header.messageStart, end)
        }
        guard isError else { return }
        let entry = miner.add(messageBytes, from: header.messageStart, to: end)
        record(entry: entry, service: serviceNumber(line.service, lineBytes), level: level, timestamp: timestamp)
    }

    private mutating func addAccess(_ access: AccessLogLine, _ bytes: UnsafeBufferPointer<UInt8>) {
        let timestamp = selectedFields?.timestamp ?? access.timestamp
        guard isInWindow(timestamp) else { return }
        // The status code is the level: 5xx is an error, anything else is not.
        let level = selectedFields?.level ?? (access.isServerError ? LogLevel.error : .info)
        guard isError(level: level, signal: { false }) else { return }
        var route = scratch
        scratch = []
        route.removeAll(keepingCapacity: true)
        access.appendRoute(bytes, into: &route)
        let entry = route.withUnsafeBufferPointer { miner.add($0, from: 0, to: $0.count) }
        scratch = route
        record(entry: entry, service: serviceNumber(nil, bytes), level: level, timestamp: timestamp)
    }

    private mutating func isInWindow(_ timestamp: Double?) -> Bool {
        guard let window = configuration.window, let timestamp else { return true }
        if window.contains(timestamp) { return true }
        skippedOutsideWindow += 1
        return false
    }

    private mutating func record(entry: Int?, service: Int32, level: LogLevel?, timestamp: Double?) {
        errorLines += 1
        let bucket = timestamp.flatMap { time in configuration.window.map { $0.bucket(of: time) } }
        let key = ErrorCounters.Key(entry: Int32(entry ?? -1), service: service, level: level.map { Int8($0.rank) } ?? -1)
        counters.add(key, timestamp: timestamp, bucket: bucket)
    }

    /// Returns the service number of a line: the selected line's service field wins over the
    /// name in `text`, or -1 when there is neither.
    private mutating func serviceNumber(_ text: FieldText?, _ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        if let service = selectedFields?.service { return services.number(of: service) }
        guard let text else { return -1 }
        if text.escaping != .none { return services.number(of: text.string(bytes)) }
        return services.number(of: bytes, from: text.start, to: text.end)
    }
}
