@testable import DiagLogs
import Foundation
import Testing

/// Checks the word-at-a-time scans and the per-line memos of the collector's hot path against
/// plain byte-by-byte expectations, at every offset around an eight-byte word.
@Suite struct HotPathScanningTests {
    static func withBytes<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        Array(text.utf8).withUnsafeBufferPointer(body)
    }

    @Test(arguments: 0..<20)
    func stringScanFindsQuoteAndEscape(padding: Int) {
        let body = String(repeating: "a", count: padding)
        let plain = "\"" + body + "\" tail"
        let escaped = "\"" + body + #"\"x""# + " tail"
        Self.withBytes(plain) { bytes in
            let scan = StructuredFieldScanner.stringScan(bytes, 0, bytes.count)
            #expect(scan?.end == padding + 2)
            #expect(scan?.hasEscape == false)
        }
        Self.withBytes(escaped) { bytes in
            let scan = StructuredFieldScanner.stringScan(bytes, 0, bytes.count)
            #expect(scan?.end == padding + 5)
            #expect(scan?.hasEscape == true)
            #expect(StructuredFieldScanner.stringEnd(bytes, 0, bytes.count) == padding + 5)
        }
    }

    @Test func stringScanRejectsUnterminatedStrings() {
        for text in ["\"abc", "\"abcdefghijklmnop\\\"", "\"", "\"ends in a backslash\\"] {
            Self.withBytes(text) { bytes in
                #expect(StructuredFieldScanner.stringScan(bytes, 0, bytes.count) == nil, "\(text)")
            }
        }
    }

    @Test func escapedMessagesAreDecoded() {
        var collector = ErrorTypeCollector(name: "escapes")
        for _ in 0..<2 {
            collector.add(line: #"{"level":"error","msg":"disk \"data\" is full on volume"}"#)
            collector.add(line: #"level=error msg="queue \"jobs\" is stuck in the scheduler" k=v"#)
            collector.add(line: #"{"level":"error","msg":"a plain message long enough to span words"}"#)
        }
        let templates = Set(collector.report().groups.flatMap { $0.templates.map(\.template) })
        #expect(templates.contains(#"disk "data" is full on volume"#))
        #expect(templates.contains(#"queue "jobs" is stuck in the scheduler"#))
        #expect(templates.contains("a plain message long enough to span words"))
    }

    @Test(arguments: 0..<18)
    func nextSpaceStopsAtSpaceOrBar(length: Int) {
        let stripper = LogHeaderStripper(referenceDate: Date(timeIntervalSince1970: 0))
        let token = String(repeating: "x", count: length)
        for stop in [" ", "\t", "|", "\r"] {
            Self.withBytes(token + stop + "rest") { bytes in
                #expect(stripper.nextSpace(bytes, 0, bytes.count) == length)
            }
        }
        Self.withBytes(token + "\u{01}\u{1F}y z") { bytes in
            #expect(stripper.nextSpace(bytes, 0, bytes.count) == length + 3)
        }
        Self.withBytes(token) { bytes in
            #expect(stripper.nextSpace(bytes, 0, bytes.count) == length)
        }
    }

    @Test func monthAndWeekdayNamesMatch() {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        for (index, name) in months.enumerated() {
            Self.withBytes(name) { #expect(TimestampScanner.month($0, 0) == index + 1, "\(name)") }
        }
        for name in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] {
            Self.withBytes(name) { #expect(TimestampScanner.weekday($0, 0, 3), "\(name)") }
        }
        for name in ["JAN", "jan", "Moo", "Xyz", "Ju"] {
            Self.withBytes(name) { #expect(TimestampScanner.month($0, 0) == nil, "\(name)") }
        }
        for name in ["MON", "Sunday", "Thx"] {
            Self.withBytes(name) { #expect(TimestampScanner.weekday($0, 0, $0.count) == (name == "Sunday"), "\(name)") }
        }
    }

    @Test func keyTailsHashApart() {
        for length in 8..<24 {
            let base = String(repeating: "k", count: length)
            var hashes = Set<UInt64>()
            for last in ["a", "b", "c"] {
                hashes.insert(KeyTable.hash(Array((base + last).utf8)))
            }
            #expect(hashes.count == 3, "length \(length + 1)")
            #expect(KeyTable.hash(Array(base.utf8)) == KeyTable.hash(Array(base.utf8)))
        }
        #expect(KeyTable.hash(Array("abcdefgh".utf8)) != KeyTable.hash(Array("abcdefgh\0".utf8)))
    }

    @Test func serviceMemoCountsOverflow() {
        var names = ServiceNames(capacity: 1, tenantMasking: nil)
        let sequence = ["api", "api", "worker", "worker", "api", "worker"]
        let numbers = sequence.map { name in
            Self.withBytes(name) { names.number(of: $0, from: 0, to: $0.count) }
        }
        #expect(numbers == [0, 0, -2, -2, 0, -2])
        #expect(names.overflowLines == 3)
        #expect(names.names == ["api"])
    }

    @Test func repeatedCounterKeyKeepsTotals() {
        var counters = ErrorCounters(bucketCount: 2, capacity: 10)
        let first = ErrorCounters.Key(entry: 1, service: 0, level: 5)
        let second = ErrorCounters.Key(entry: 2, service: 0, level: 5)
        counters.add(first, timestamp: 20, bucket: 1)
        counters.add(first, timestamp: 10, bucket: 0)
        counters.add(second, timestamp: nil, bucket: nil)
        counters.add(first, timestamp: 30, bucket: 1)
        #expect(counters.keys == [first, second])
        #expect(counters.totals.map(\.count) == [3, 1])
        #expect(counters.totals[0].firstSeen == 10)
        #expect(counters.totals[0].lastSeen == 30)
        #expect(counters.totals[1].firstSeen == .infinity)
        #expect(Array(counters.buckets(of: 0)) == [1, 2])
        #expect(Array(counters.buckets(of: 1)) == [0, 0])
    }
}
