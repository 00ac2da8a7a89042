import DiagCollect
import DiagRedaction
import DiagSupport
import Foundation

/// Removes other tenants' data from collected documents before they are redacted, so nothing of
/// another tenant reaches the bundle, not even as a pseudonym.
///
/// In a tenant-scoped collection it first learns the identifiers of other tenants: the values
/// of tenant labels and keys in every document, `tenant_id="…"` pairs in text, and the values
/// sources reported (see `TenantIdentifierSink`). It then drops every list item that names one
/// of them (a series, alert, interval, rule, target, log group or label set), the smallest
/// enclosing item first. Mentions outside lists, and in YAML and text documents, become
/// `<redacted:other-tenant>`. In an aggregated collection it drops metric
/// series that carry a per-tenant label and removes per-tenant label values from alert
/// history (see `TenantGuard+Aggregated.swift`).
struct TenantGuard {
    /// Replaces a mention of another tenant; the redactor keeps `<redacted:…>` markers as they are.
    static let otherTenantMarker = "<redacted:other-tenant>"
    /// The report entry that counts files left out because their path names another tenant.
    static let namedFilesEntry = "(files named after other tenants)"

    let scope: TenantScope
    /// Identifiers the sources reported, such as Prometheus' values of `tenant_id`.
    var reportedIdentifiers: [String] = []

    /// Returns the results without other tenants' data, and what was removed.
    func apply(_ results: [SourceResult]) -> ([SourceResult], TenantGuardReport) {
        var report = TenantGuardReport(scope: scope)
        guard let tenant = scope.tenant else {
            return (results.map { aggregate($0, report: &report) }, report)
        }

        let others = otherIdentifiers(in: results, tenant: tenant)
        guard !others.isEmpty else { return (results, report) }
        report.otherIdentifiers = others.sorted()
        let lowered = Set(others.map { $0.lowercased() })
        // NOTE: an identifier that is also an ordinary word of the documents, such as a tenant
        // named `payments`, drops every item that uses the word. Generic words such as
        // `default` are matched only as whole label values.
        let mentioned = lowered.filter { !Redactor.genericValues.contains($0) }
        let filter = OtherTenantFilter(labelValues: lowered, matcher: TenantIdentifierMatcher(mentioned, keeping: [tenant]))
        let filtered = results.map { result -> SourceResult in
            var result = result
            // Failure messages can quote a query or a URL, so they are cleaned like text.
            var mentions = 0
            result.reason = result.reason.map { filter.scrubText($0, replaced: &mentions) }
            result.failures = result.failures.map { failure in
                EndpointFailure(
                    endpoint: filter.scrubText(failure.endpoint, replaced: &mentions), status: failure.status,
                    reason: filter.scrubText(failure.reason, replaced: &mentions))
            }
            if mentions > 0 {
                var counts = TenantGuardReport.Counts()
                counts.otherTenantItems = mentions
                report.add(counts, path: BundleLayout.collectionErrors)
            }
            result.documents = result.documents.compactMap { document in
                var counts = TenantGuardReport.Counts()
                // A file named after another tenant, such as a per-tenant config, is left out
                // whole, and its path is not recorded.
                if filter.matcher.matches(document.path) {
                    counts.otherTenantItems = 1
                    report.add(counts, path: Self.namedFilesEntry)
                    return nil
                }
                defer { report.add(counts, path: document.path) }
                let content = filter.filter(document.content, dropped: &counts.otherTenantItems)
                // A JSON file that lost another tenant's items no longer lines up with its bytes,
                // so it is written with sorted keys (`JSONValue.serialized(_:inLayoutOf:renamedKeys:)`).
                var filtered = document
                filtered.content = Self.refreshingHistory(content, path: document.path)
                return filtered
            }
            return result
        }
        return (filtered, report)
    }

    /// Collects every tenant identifier that is not `tenant`, compared without ASCII case; the
    /// identifiers keep their case, because pseudonyms are computed from the exact value.
    private func otherIdentifiers(in results: [SourceResult], tenant: String) -> Set<String> {
        var values = Set(reportedIdentifiers)
        for result in results {
            for document in result.documents {
                switch document.content {
                case .json(let value): Self.collectIdentifiers(value, into: &values)
                case .yaml(let text), .text(let text): values.formUnion(TenantMentionScanner.values(in: text))
                }
            }
        }
        let own = tenant.lowercased()
        return values.filter { !$0.isEmpty && $0.lowercased() != own }
    }

    static func collectIdentifiers(_ value: JSONValue, into values: inout Set<String>) {
        switch value {
        case .string(let text):
            values.formUnion(TenantMentionScanner.values(in: text))
        case .array(let items):
            for item in items { collectIdentifiers(item, into: &values) }
        case .object(let members):
            for (key, member) in members {
                if TenantScope.tenantLabels.contains(key.lowercased()), let text = member.stringValue {
                    values.insert(text)
                }
                collectIdentifiers(member, into: &values)
            }
        default:
            break
        }
    }

    /// Recomputes the per-alert totals of an alert history document from the intervals that
    /// remain, so the totals do not count intervals that were dropped.
    static func refreshingHistory(_ content: DocumentContent, path: String) -> DocumentContent {
        guard Self.isAlertHistory(path), case .json(var document) = content, let intervals = document["intervals"]?.arrayValue,
            case .object(var members) = document
        else { return content }
        members["alerts"] = AlertHistoryTotals.summary(intervals)
        document = .object(members)
        return .json(document)
    }

    static func isAlertHistory(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        return path.hasPrefix("alerts/") && (name == "prometheus-history.json" || name == "alertmanager-intervals.json")
    }
}

/// Drops and replaces what names another tenant, for one tenant-scoped collection.
struct OtherTenantFilter {
    /// Lower-cased identifiers of other tenants, matched whole against tenant label values.
    let labelValues: Set<String>
    /// The same identifiers, matched as words inside any text.
    let matcher: TenantIdentifierMatcher

    func filter(_ content: DocumentContent, dropped: inout Int) -> DocumentContent {
        switch content {
        case .json(let value):
            let (kept, carries) = filterJSON(value, dropped: &dropped)
            return .json(carries ? scrub(kept, replaced: &dropped) : kept)
        case .yaml(let text):
            let (clean, count) = matcher.replacing(in: text, with: TenantGuard.otherTenantMarker)
            dropped += count
            return .yaml(clean)
        case .text(let text):
            let (clean, count) = matcher.replacing(in: text, with: TenantGuard.otherTenantMarker)
            dropped += count
            return .text(clean)
        }
    }

    /// Returns `value` with every list item that names another tenant dropped, and whether
    /// the rest, outside any list, still names one.
    func filterJSON(_ value: JSONValue, dropped: inout Int) -> (JSONValue, Bool) {
        switch value {
        case .string(let text):
            return (value, matcher.matches(text))
        case .array(let items):
            var kept: [JSONValue] = []
            for item in items {
                let (filtered, carries) = filterJSON(item, dropped: &dropped)
                if carries {
                    dropped += 1
                } else {
                    kept.append(filtered)
                }
            }
            return (.array(kept), false)
        case .object(let members):
            var carries = false
            var output: [String: JSONValue] = [:]
            for (key, member) in members {
                if matcher.matches(key) || isOtherTenantLabel(key, member) { carries = true }
                let (filtered, memberCarries) = filterJSON(member, dropped: &dropped)
                output[key] = filtered
                carries = carries || memberCarries
            }
            return (.object(output), carries)
        default:
            return (value, false)
        }
    }

    private func isOtherTenantLabel(_ key: String, _ value: JSONValue) -> Bool {
        guard TenantScope.tenantLabels.contains(key.lowercased()), let text = value.stringValue else { return false }
        return labelValues.contains(text.lowercased())
    }

    func scrubText(_ text: String, replaced: inout Int) -> String {
        let (clean, count) = matcher.replacing(in: text, with: TenantGuard.otherTenantMarker)
        replaced += count
        return clean
    }

    /// Replaces every remaining mention outside lists: tenant label values, words in strings
    /// and object keys.
    func scrub(_ value: JSONValue, replaced: inout Int) -> JSONValue {
        switch value {
        case .string(let text):
            let (clean, count) = matcher.replacing(in: text, with: TenantGuard.otherTenantMarker)
            replaced += count
            return .string(clean)
        case .array(let items):
            return .array(items.map { scrub($0, replaced: &replaced) })
        case .object(let members):
            var output: [String: JSONValue] = [:]
            for (key, member) in members {
                var newKey = key
                let (cleanKey, keyCount) = matcher.replacing(in: key, with: TenantGuard.otherTenantMarker)
                if keyCount > 0 {
                    replaced += keyCount
                    newKey = output[cleanKey] == nil ? cleanKey : "\(cleanKey)-\(output.count)"
                }
                if isOtherTenantLabel(key, member) {
                    replaced += 1
                    output[newKey] = .string(TenantGuard.otherTenantMarker)
                } else {
                    output[newKey] = scrub(member, replaced: &replaced)
                }
            }
            return .object(output)
        default:
            return value
        }
    }
}
