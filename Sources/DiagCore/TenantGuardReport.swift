import DiagSupport
import Foundation

/// Counts of what the tenant guard removed from the collected documents, per bundle path.
public struct TenantGuardReport: Sendable, Equatable {
    /// Counts of what the guard removed from one document.
    public struct Counts: Sendable, Equatable {
        /// Series, alerts, intervals, label sets, log groups and other list items that named
        /// another tenant and were dropped, plus mentions of another tenant replaced in text.
        public var otherTenantItems = 0
        /// Metric series dropped because they carried a per-tenant label.
        public var perTenantSeries = 0
        /// Per-tenant label values replaced by `<redacted:aggregated>` in alert history.
        public var perTenantLabelValues = 0

        public init() {}

        var isEmpty: Bool { otherTenantItems == 0 && perTenantSeries == 0 && perTenantLabelValues == 0 }
    }

    public var scope: TenantScope
    /// The scoped tenant's pseudonym, set once the redactor is known; nil when aggregated.
    public var tenantPseudonym: String?
    public var documents: [String: Counts] = [:]
    /// The identifiers of other tenants the guard learned; never written anywhere.
    var otherIdentifiers: [String] = []
    /// Identifier-shaped names and the pseudonyms of other tenants, which must not occur in
    /// any finished file; never written anywhere.
    var otherTenantMarks: [String] = []

    public init(scope: TenantScope) {
        self.scope = scope
    }

    public var otherTenantItems: Int { documents.values.reduce(0) { $0 + $1.otherTenantItems } }
    public var perTenantSeries: Int { documents.values.reduce(0) { $0 + $1.perTenantSeries } }
    public var perTenantLabelValues: Int { documents.values.reduce(0) { $0 + $1.perTenantLabelValues } }

    mutating func add(_ counts: Counts, path: String) {
        guard !counts.isEmpty else { return }
        var total = documents[path] ?? Counts()
        total.otherTenantItems += counts.otherTenantItems
        total.perTenantSeries += counts.perTenantSeries
        total.perTenantLabelValues += counts.perTenantLabelValues
        documents[path] = total
    }

    /// Moves the counts of `path` to `newPath`, after the assembler redacted a document's path.
    mutating func rename(_ path: String, to newPath: String) {
        guard path != newPath, let counts = documents.removeValue(forKey: path) else { return }
        add(counts, path: newPath)
    }

    /// The `tenant_scope` member of the manifest.
    public var jsonValue: JSONValue {
        let paths = documents.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return [
            "scope": .string(scope.tenant == nil ? "aggregated" : "tenant"),
            "tenant": tenantPseudonym.map { .string($0) } ?? .null,
            "other_tenant_items_dropped": JSONValue(otherTenantItems),
            "per_tenant_series_dropped": JSONValue(perTenantSeries),
            "per_tenant_label_values_removed": JSONValue(perTenantLabelValues),
            "documents": .array(
                paths.map { path in
                    let counts = documents[path]!
                    return [
                        "path": .string(path), "other_tenant_items": JSONValue(counts.otherTenantItems),
                        "per_tenant_series": JSONValue(counts.perTenantSeries),
                        "per_tenant_label_values": JSONValue(counts.perTenantLabelValues),
                    ]
                }),
        ]
    }

    /// One line for SUMMARY.md and the terminal.
    public var sentence: String {
        switch scope {
        case .tenant:
            return "Scoped to one tenant (\(tenantPseudonym ?? "tenant")): dropped \(otherTenantItems) items of other tenants."
        case .aggregated:
            return "Aggregated across tenants: dropped \(perTenantSeries) per-tenant metric series and removed \(perTenantLabelValues) per-tenant label values from alert history."
        }
    }
}
