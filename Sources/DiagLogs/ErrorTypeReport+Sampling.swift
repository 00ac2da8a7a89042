import DiagSupport

extension ErrorTypeReport {
    /// The sampling of a source that counts its error lines itself and is mined from a sample.
    ///
    /// Loki, for example, counts every matching line with a metric query but returns only
    /// bounded pages of the lines, so the templates' counts are counts within the sample.
    public struct Sampling: Sendable, Equatable {
        /// Lines fetched and read by the miner.
        public var linesFetched: Int
        /// Requests that returned lines.
        public var pages: Int
        /// Fetched lines that matched the query's error words but whose level is below error.
        public var fetchedBelowErrorLevel: Int
        /// Lines the source counted at a level below error, left out of `error_lines`.
        public var countedBelowErrorLevel: Int
        /// The reason fetching stopped before every matching line was read, or nil when it read them all.
        public var stoppedBy: String?

        public init(
            linesFetched: Int, pages: Int, fetchedBelowErrorLevel: Int = 0, countedBelowErrorLevel: Int = 0,
            stoppedBy: String? = nil
        ) {
            self.linesFetched = linesFetched
            self.pages = pages
            self.fetchedBelowErrorLevel = fetchedBelowErrorLevel
            self.countedBelowErrorLevel = countedBelowErrorLevel
            self.stoppedBy = stoppedBy
        }

        var jsonValue: JSONValue {
            [
                "lines_fetched": JSONValue(linesFetched), "pages": JSONValue(pages),
                "fetched_below_error_level": JSONValue(fetchedBelowErrorLevel),
                "counted_below_error_level": JSONValue(countedBelowErrorLevel),
                "stopped_by": stoppedBy.map(JSONValue.string) ?? .null,
            ]
        }
    }

    /// An error-line count of one (service, level) group as the source reported it.
    public struct GroupCount: Sendable, Equatable {
        public var service: String?
        /// A level name as `Group.level` has it, or `unknown`.
        public var level: String
        public var count: Int

        public init(service: String?, level: String, count: Int) {
            self.service = service
            self.level = level
            self.count = count
        }
    }

    /// Returns one document with the sources of every `documents` member, in order, and totals
    /// summed over them. The window is the first non-null one, because every source of a
    /// collection shares the collection's window.
    public static func mergeDocuments(_ documents: [JSONValue]) -> JSONValue {
        var sources: [JSONValue] = []
        var window: JSONValue = .null
        for document in documents {
            sources += document["sources"]?.arrayValue ?? []
            if window == .null, let candidate = document["window"], candidate != .null { window = candidate }
        }
        let linesRead = sources.map { $0["lines_read"]?.intValue ?? 0 }.reduce(0, +)
        let errorLines = sources.map { $0["error_lines"]?.intValue ?? 0 }.reduce(0, +)
        return [
            "schema_version": JSONValue(schemaVersion), "window": window, "sources": .array(sources),
            "totals": ["lines_read": .int(linesRead), "error_lines": .int(errorLines)],
        ]
    }
}

extension ErrorTypeReport.Source {
    /// Makes the source's counts the source's own `counts` and keeps the mined templates as a
    /// sample of them.
    ///
    /// Each group's `errorLines` becomes its count from `counts` and `sampledLines` the lines
    /// mined for it. Groups only in `counts` are added without templates, and groups only in
    /// the sample keep their sample count as `errorLines`, because the source counted at least
    /// that many. `errorLines` of the source becomes the sum over the groups.
    public mutating func applyCounts(_ counts: [ErrorTypeReport.GroupCount], sampling: ErrorTypeReport.Sampling) {
        var totals: [GroupKey: Int] = [:]
        for count in counts { totals[GroupKey(service: count.service, level: count.level), default: 0] += count.count }

        var merged: [ErrorTypeReport.Group] = []
        for var group in groups {
            let key = GroupKey(service: group.service, level: group.level)
            group.sampledLines = group.errorLines
            if let total = totals.removeValue(forKey: key) { group.errorLines = max(total, group.errorLines) }
            merged.append(group)
        }
        for (key, total) in totals where total > 0 {
            merged.append(
                ErrorTypeReport.Group(
                    service: key.service, level: key.level, errorLines: total, otherLines: 0, templates: [],
                    sampledLines: 0))
        }
        groups = merged.sorted { ($0.service ?? "", $0.level) < ($1.service ?? "", $1.level) }
        errorLines = groups.map(\.errorLines).reduce(0, +)
        self.sampling = sampling
    }

    private struct GroupKey: Hashable {
        var service: String?
        var level: String
    }
}
