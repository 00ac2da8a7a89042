import DiagSupport
import Foundation

/// Error counts by anonymized error type (template), the form in which logs leave the site.
///
/// The document contains templates, counts, times and totals only. It contains no log line, and
/// no token that was seen in just one line of its template (see `MinedTemplate.text`). Serialized by
/// `jsonValue`, it is `logs/error-types.json`, described by `Schemas/error-types.schema.json`.
public struct ErrorTypeReport: Sendable, Equatable {
    public static let schemaVersion = 1
    /// The document's path inside a bundle.
    public static let bundlePath = "logs/error-types.json"

    /// The time range the counts cover and the buckets it is cut into.
    public struct Window: Sendable, Equatable {
        public var start: Date
        public var end: Date
        public var bucketCount: Int

        public init(start: Date, end: Date, bucketCount: Int = 24) {
            self.start = start
            self.end = max(end, start)
            self.bucketCount = max(1, bucketCount)
        }

        public var bucketSeconds: Double {
            max(end.timeIntervalSince(start), 1) / Double(bucketCount)
        }

        /// Returns true when `seconds` (since 1970) lies in `[start, end]`.
        func contains(_ seconds: Double) -> Bool {
            seconds >= start.timeIntervalSince1970 && seconds <= end.timeIntervalSince1970
        }

        /// Returns the bucket of `seconds`, which must lie in the window.
        func bucket(of seconds: Double) -> Int {
            let index = Int(((seconds - start.timeIntervalSince1970) / bucketSeconds).rounded(.down))
            return min(max(index, 0), bucketCount - 1)
        }
    }

    /// One error type and its counts.
    public struct TemplateCount: Sendable, Equatable {
        /// The template after privacy masking and the caller's redaction.
        public var template: String
        public var count: Int
        public var firstSeen: Double?
        public var lastSeen: Double?
        /// Lines per window bucket; empty without a window. Lines without a timestamp are in `count` only.
        public var buckets: [Int]

        public init(template: String, count: Int, firstSeen: Double?, lastSeen: Double?, buckets: [Int]) {
            self.template = template
            self.count = count
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
            self.buckets = buckets
        }
    }

    /// The error types of one service at one level.
    public struct Group: Sendable, Equatable {
        public var service: String?
        /// The level name, or `unknown` for error lines found by an exception without a level.
        public var level: String
        public var errorLines: Int
        /// Error lines that no kept template matched, because the template capacity was full.
        public var otherLines: Int
        public var templates: [TemplateCount]
        /// The lines behind `templates` when they come from a sample of `errorLines` (see
        /// `Source.sampling`), or nil when every error line was read.
        public var sampledLines: Int?

        public init(
            service: String?, level: String, errorLines: Int, otherLines: Int, templates: [TemplateCount],
            sampledLines: Int? = nil
        ) {
            self.service = service
            self.level = level
            self.errorLines = errorLines
            self.otherLines = otherLines
            self.templates = templates
            self.sampledLines = sampledLines
        }
    }

    /// The counts of one source, such as a set of log files.
    public struct Source: Sendable, Equatable {
        public var name: String
        public var linesRead: Int
        public var errorLines: Int
        public var skippedOutsideWindow: Int
        public var unparsableLines: Int
        public var continuationLines: Int
        public var truncatedLines: Int
        /// Error lines counted as other because the template capacity was full.
        public var otherLines: Int
        /// Error lines whose service was reported as `other` because the service capacity was full.
        public var otherServiceLines: Int
        public var groups: [Group]
        /// How lines were sampled when the source counts error lines itself (such as Loki's
        /// metric queries) and only a sample of them was mined, or nil when every line was read.
        public var sampling: Sampling?

        public init(
            name: String, linesRead: Int = 0, errorLines: Int = 0, skippedOutsideWindow: Int = 0,
            unparsableLines: Int = 0, continuationLines: Int = 0, truncatedLines: Int = 0, otherLines: Int = 0,
            otherServiceLines: Int = 0, groups: [Group] = [], sampling: Sampling? = nil
        ) {
            self.name = name
            self.linesRead = linesRead
            self.errorLines = errorLines
            self.skippedOutsideWindow = skippedOutsideWindow
            self.unparsableLines = unparsableLines
            self.continuationLines = continuationLines
            self.truncatedLines = truncatedLines
            self.otherLines = otherLines
            self.otherServiceLines = otherServiceLines
            self.groups = groups
            self.sampling = sampling
        }
    }

    public var window: Window?
    public var sources: [Source]

    public init(window: Window?, sources: [Source]) {
        self.window = window
        self.sources = sources
    }

    public var jsonValue: JSONValue {
        var document: [String: JSONValue] = [
            "schema_version": JSONValue(Self.schemaVersion),
            "sources": .array(sources.map(Self.json)),
            "totals": [
                "lines_read": JSONValue(sources.map(\.linesRead).reduce(0, +)),
                "error_lines": JSONValue(sources.map(\.errorLines).reduce(0, +)),
            ],
        ]
        if let window {
            document["window"] = [
                "start": .string(Timestamp.format(window.start)), "end": .string(Timestamp.format(window.end)),
                "bucket_count": JSONValue(window.bucketCount), "bucket_seconds": .number(window.bucketSeconds),
            ]
        } else {
            document["window"] = .null
        }
        return .object(document)
    }

    private static func json(_ source: Source) -> JSONValue {
        var members: [String: JSONValue] = [
            "name": .string(source.name),
            "lines_read": JSONValue(source.linesRead),
            "error_lines": JSONValue(source.errorLines),
            "skipped": [
                "outside_window": JSONValue(source.skippedOutsideWindow),
                "unparsable": JSONValue(source.unparsableLines),
                "continuation": JSONValue(source.continuationLines),
            ],
            "capped": [
                "other_lines": JSONValue(source.otherLines),
                "other_service_lines": JSONValue(source.otherServiceLines),
                "truncated_lines": JSONValue(source.truncatedLines),
            ],
            "groups": .array(source.groups.map(json)),
        ]
        if let sampling = source.sampling { members["sampling"] = sampling.jsonValue }
        return .object(members)
    }

    private static func json(_ group: Group) -> JSONValue {
        var members: [String: JSONValue] = [
            "service": group.service.map(JSONValue.string) ?? .null,
            "level": .string(group.level),
            "error_lines": JSONValue(group.errorLines),
            "other_lines": JSONValue(group.otherLines),
            "templates": .array(group.templates.map(json)),
        ]
        if let sampled = group.sampledLines { members["sampled_lines"] = JSONValue(sampled) }
        return .object(members)
    }

    private static func json(_ template: TemplateCount) -> JSONValue {
        [
            "template": .string(template.template),
            "count": JSONValue(template.count),
            "first_seen": template.firstSeen.map { .string(Timestamp.format(Date(timeIntervalSince1970: $0))) } ?? .null,
            "last_seen": template.lastSeen.map { .string(Timestamp.format(Date(timeIntervalSince1970: $0))) } ?? .null,
            "buckets": .array(template.buckets.map { JSONValue($0) }),
        ]
    }
}
