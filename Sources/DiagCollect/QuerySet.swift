import DiagSupport
import Foundation

/// The PromQL queries whose results leave the site as aggregate metric summaries.
///
/// `load(url:)` enforces the same constraints as `Schemas/query-set.schema.json`: every query
/// aggregates with `by (...)` or `without (...)`, and names are unique. Aggregation alone does not
/// guarantee privacy, so `MetricSummarizer` still drops any result series that carries a label
/// from `forbiddenLabelSet`.
public struct QuerySet: Sendable, Equatable {
    public struct Query: Sendable, Equatable {
        /// A unique identifier made of lower-case letters, digits and underscores.
        public var name: String
        public var expr: String
        public var description: String?
        /// The unit of the values, such as `requests/s` or `seconds`.
        public var unit: String?

        public init(name: String, expr: String, description: String? = nil, unit: String? = nil) {
            self.name = name
            self.expr = expr
            self.description = description
            self.unit = unit
        }
    }

    public var name: String
    public var description: String?
    /// Labels forbidden on top of `alwaysForbiddenLabels`.
    public var forbiddenLabels: [String]
    public var queries: [Query]

    /// Labels that identify a tenant, user or machine, so a series carrying one never leaves the site.
    public static let alwaysForbiddenLabels = ["tenant_id", "user_id", "customer_id", "instance", "pod"]
    /// The maximum number of queries in a set, which bounds the load one collection puts on Prometheus.
    public static let maximumQueries = 100
    /// The maximum expression length, in characters.
    public static let maximumExpressionLength = 4000

    public init(name: String, description: String? = nil, forbiddenLabels: [String] = [], queries: [Query]) {
        self.name = name
        self.description = description
        self.forbiddenLabels = forbiddenLabels
        self.queries = queries
    }

    /// Every forbidden label name in lower case; series labels are compared case-insensitively.
    public var forbiddenLabelSet: Set<String> {
        Set((Self.alwaysForbiddenLabels + forbiddenLabels).map { $0.lowercased() })
    }

    /// Reads and validates a query set file.
    ///
    /// Throws `noInput` when the file is missing or unreadable, and `dataError` naming the first
    /// invalid field otherwise.
    public static func load(url: URL) throws -> QuerySet {
        let path = url.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw DiagError.noInput("cannot read query set \(path): file not found; check the path given with --queries")
        }
        guard !isFolder.boolValue else {
            throw DiagError.noInput("cannot read query set \(path): it is a folder; pass the YAML file itself")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DiagError.noInput("cannot read query set \(path): permission denied or I/O error; check the file's mode")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw DiagError.data("invalid query set \(path): the file is not valid UTF-8; save it as UTF-8 text")
        }
        return try parse(text, source: path)
    }

    /// Parses and validates query set YAML; `source` names the file in errors.
    public static func parse(_ text: String, source: String) throws -> QuerySet {
        let root: JSONValue
        do {
            root = try YAMLDocument.parse(text).jsonValue()
        } catch {
            throw DiagError.data("invalid query set \(source): \(error.operatorMessage)")
        }
        var validator = QuerySetValidator(source: source)
        return try validator.validate(root)
    }
}

/// Checks a parsed query set against the rules of `Schemas/query-set.schema.json`.
private struct QuerySetValidator {
    let source: String

    static let setNamePattern = "^[a-z0-9][a-z0-9_-]{0,63}$"
    static let queryNamePattern = "^[a-z][a-z0-9_]{0,63}$"
    static let labelPattern = "^[a-zA-Z_][a-zA-Z0-9_]*$"
    static let aggregationPattern = #"\b(by|without)\s*\("#

    func fail(_ field: String, _ problem: String) -> DiagError {
        DiagError.data("invalid query set \(source): \(field) \(problem); fix the file and run again")
    }

    static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    mutating func validate(_ root: JSONValue) throws -> QuerySet {
        guard let members = root.objectValue else { throw fail("the document", "must be a mapping") }
        let known: Set<String> = ["version", "name", "description", "forbidden_labels", "queries"]
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail("key '\(unknown)'", "is not allowed (allowed: \(known.sorted().joined(separator: ", ")))")
        }

        guard members["version"] == .int(1) else { throw fail("version", "must be 1") }
        guard let name = members["name"]?.stringValue, Self.matches(name, Self.setNamePattern) else {
            throw fail("name", "must be lower-case letters, digits, '_' or '-' (at most 64)")
        }
        let description = try optionalString(members["description"], field: "description")

        var forbidden: [String] = []
        if let value = members["forbidden_labels"] {
            guard let items = value.arrayValue else { throw fail("forbidden_labels", "must be a list of label names") }
            for (index, item) in items.enumerated() {
                guard let label = item.stringValue, Self.matches(label, Self.labelPattern) else {
                    throw fail("forbidden_labels[\(index)]", "must be a Prometheus label name")
                }
                guard !forbidden.contains(label) else { throw fail("forbidden_labels[\(index)]", "repeats '\(label)'") }
                forbidden.append(label)
            }
        }

        guard let items = members["queries"]?.arrayValue, !items.isEmpty else {
            throw fail("queries", "must be a non-empty list")
        }
        guard items.count <= QuerySet.maximumQueries else {
            throw fail("queries", "has \(items.count) entries, more than the maximum of \(QuerySet.maximumQueries)")
        }
        var queries: [QuerySet.Query] = []
        for (index, item) in items.enumerated() {
            let query = try validateQuery(item, field: "queries[\(index)]")
            guard !queries.contains(where: { $0.name == query.name }) else {
                throw fail("queries[\(index)].name", "repeats '\(query.name)'; query names must be unique")
            }
            queries.append(query)
        }
        return QuerySet(name: name, description: description, forbiddenLabels: forbidden, queries: queries)
    }

    func validateQuery(_ item: JSONValue, field: String) throws -> QuerySet.Query {
        guard let members = item.objectValue else { throw fail(field, "must be a mapping") }
        let known: Set<String> = ["name", "expr", "description", "unit"]
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail("\(field).\(unknown)", "is not allowed (allowed: name, expr, description, unit)")
        }
        guard let name = members["name"]?.stringValue, Self.matches(name, Self.queryNamePattern) else {
            throw fail("\(field).name", "must start with a lower-case letter and contain only a-z, 0-9 and '_' (at most 64)")
        }
        guard let expr = members["expr"]?.stringValue,
            !expr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else {
            throw fail("\(field).expr", "must be a non-empty PromQL expression")
        }
        guard expr.count <= QuerySet.maximumExpressionLength else {
            throw fail("\(field).expr", "is longer than \(QuerySet.maximumExpressionLength) characters")
        }
        guard Self.matches(expr, Self.aggregationPattern) else {
            throw fail(
                "\(field).expr",
                "must aggregate with 'by (...)' or 'without (...)' so that no per-tenant or per-instance series is returned")
        }
        return QuerySet.Query(
            name: name, expr: expr,
            description: try optionalString(members["description"], field: "\(field).description"),
            unit: try optionalString(members["unit"], field: "\(field).unit"))
    }

    func optionalString(_ value: JSONValue?, field: String) throws -> String? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue else { throw fail(field, "must be text") }
        return text
    }
}
