import DiagSupport

/// The LogQL queries that count and fetch error lines in Loki 3.x, and the decoding of their
/// results into error counts and selected lines.
///
/// Label order: the service is the first of `serviceLabelCandidates` that Loki lists for the
/// window. Loki 3.x adds `service_name` to every stream at ingestion, taken from the first of
/// the labels `service`, `app`, `application`, `name`, `app_kubernetes_io_name`, `container`,
/// `container_name`, `component`, `workload` and `job` that the stream has, or
/// `unknown_service` (`limits_config.discover_service_name`), so it comes first. The level is
/// the `level` label when a stream has one, else `detected_level`, the structured metadata that
/// Loki 3.x adds when `discover_log_levels` is on (its default).
public enum LokiErrorQueries {
    /// The line filter for error lines: a case-insensitive match of an error word anywhere.
    public static let errorFilter = #"|~ "(?i)(error|fatal|panic|exception|critical)""#

    /// The service labels, in order of preference.
    public static let serviceLabelCandidates = ["service_name", "service", "app", "application", "job", "container"]

    /// The level labels, in order of preference.
    public static let levelLabels = ["level", "detected_level"]

    /// Labels whose values name tenants, read when tenant identifiers are masked.
    public static let tenantLabels = ["tenant_id", "tenant", "tenantid", "org_id", "orgid", "organization", "customer", "customer_id"]

    /// The stream selector used when the profile names none: every stream with a job label.
    public static let defaultSelector = #"{job=~".+"}"#

    /// Returns the service label among `labels`, or `service_name` when none of the candidates is listed.
    public static func serviceLabel(among labels: [String]) -> String {
        serviceLabelCandidates.first { labels.contains($0) } ?? serviceLabelCandidates[0]
    }

    /// Returns the metric query that counts error lines per service and level in steps of
    /// `stepMilliseconds`, each point counting the step before it.
    public static func countQuery(selector: String, serviceLabel: String, stepMilliseconds: Int) -> String {
        let grouping = ([serviceLabel] + levelLabels).joined(separator: ", ")
        return "sum by (\(grouping)) (count_over_time(\(selector) \(errorFilter) [\(stepMilliseconds)ms]))"
    }

    /// Returns the log query that fetches error lines.
    public static func lineQuery(selector: String) -> String {
        "\(selector) \(errorFilter)"
    }

    /// Returns the level named by a stream's or series' labels, or nil when they name none.
    public static func level(in labels: [String: JSONValue]) -> LogLevel? {
        for name in levelLabels {
            if let text = labels[name]?.stringValue, !text.isEmpty, let level = LogLevel(name: text) { return level }
        }
        return nil
    }

    /// The error counts of a `matrix` result.
    public struct Counts: Sendable, Equatable {
        public var groups: [ErrorTypeReport.GroupCount] = []
        /// Matching lines whose level label is below error; they are not in `groups`.
        public var belowErrorLevel = 0
    }

    /// Sums the points of each series of a `query_range` matrix `data` object by service and level.
    ///
    /// A series at a level below error goes to `belowErrorLevel`. A series without a level
    /// label, or with `unknown`, counts at level `unknown`, because its lines contain an error word.
    /// Service names pass through `masking` when it is set.
    public static func counts(
        fromMatrix data: JSONValue, serviceLabel: String, masking: TenantMasking?
    ) throws -> Counts {
        guard data["resultType"]?.stringValue == "matrix", let series = data["result"]?.arrayValue else {
            let kind = data["resultType"]?.stringValue ?? "none"
            throw DiagError.data("the count query returned result type \(kind) instead of a matrix")
        }
        var totals: [ErrorTypeReport.GroupCount] = []
        var positions: [String: Int] = [:]
        var counts = Counts()
        for item in series {
            guard let labels = item["metric"]?.objectValue, let values = item["values"]?.arrayValue else {
                throw DiagError.data("a matrix series has no metric or values member")
            }
            var sum = 0
            for point in values {
                guard let text = point[1]?.stringValue, let value = Double(text), value.isFinite, value >= 0 else {
                    throw DiagError.data("a matrix point is not a [time, \"count\"] pair")
                }
                sum += Int(value.rounded())
            }
            let level = level(in: labels)
            if let level, !level.isError {
                counts.belowErrorLevel += sum
                continue
            }
            var service = labels[serviceLabel]?.stringValue
            if service?.isEmpty == true { service = nil }
            if let masking, let name = service { service = masking.maskService(name) }
            let levelName = level?.rawValue ?? "unknown"
            let key = "\(service ?? "")\u{0}\(levelName)\u{0}\(service == nil)"
            if let position = positions[key] {
                totals[position].count += sum
            } else {
                positions[key] = totals.count
                totals.append(ErrorTypeReport.GroupCount(service: service, level: levelName, count: sum))
            }
        }
        counts.groups = totals
        return counts
    }

    /// One entry of a `streams` result: its stream labels, time in nanoseconds and line.
    public struct Entry: Sendable, Equatable {
        public var labels: [String: JSONValue]
        public var nanoseconds: Int64
        public var line: String
    }

    /// Returns the entries of a `query_range` streams `data` object in the order given.
    public static func entries(fromStreams data: JSONValue) throws -> [Entry] {
        guard data["resultType"]?.stringValue == "streams", let streams = data["result"]?.arrayValue else {
            let kind = data["resultType"]?.stringValue ?? "none"
            throw DiagError.data("the line query returned result type \(kind) instead of streams")
        }
        var entries: [Entry] = []
        for stream in streams {
            guard let labels = stream["stream"]?.objectValue, let values = stream["values"]?.arrayValue else {
                throw DiagError.data("a stream has no stream or values member")
            }
            for value in values {
                guard let time = value[0]?.stringValue, let nanoseconds = Int64(time), let line = value[1]?.stringValue
                else {
                    throw DiagError.data("a stream entry is not a [\"<nanoseconds>\", \"<line>\"] pair")
                }
                entries.append(Entry(labels: labels, nanoseconds: nanoseconds, line: line))
            }
        }
        return entries
    }

    /// Returns the fields that an entry's labels give a selected line.
    public static func fields(of entry: Entry, serviceLabel: String) -> ErrorTypeCollector.LineFields {
        var service = entry.labels[serviceLabel]?.stringValue
        if service?.isEmpty == true { service = nil }
        return ErrorTypeCollector.LineFields(
            service: service, level: level(in: entry.labels), timestamp: Double(entry.nanoseconds) / 1e9)
    }
}
