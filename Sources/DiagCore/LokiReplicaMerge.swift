import DiagCollect
import DiagLogs
import DiagSupport
import Foundation

/// Joins what the replicas of one Loki returned into one `loki` source, one failure list and
/// one status.
///
/// Replicas serve the same logs, so their counts are not added. Every count takes the largest
/// value any replica reported, per group, per template and per time bucket. A replica that
/// lags or was cut short by a cap therefore cannot lower a count. Templates are matched by their
/// text, so when replicas mine slightly different templates from different samples, both
/// appear and a group's templates may add up to more than its sampled lines.
struct LokiReplicaMerge {
    let replicas: [LokiErrorCollector.Replica]
    let outcomes: [LokiErrorRun.Outcome]

    /// Every replica's failures. With several replicas each endpoint is prefixed with its
    /// replica, such as `replica 2 (http://loki-b:3100): /loki/api/v1/labels`.
    var failures: [EndpointFailure] {
        guard replicas.count > 1 else { return outcomes.first?.failures ?? [] }
        return outcomes.enumerated().flatMap { index, outcome in
            outcome.failures.map { failure in
                EndpointFailure(endpoint: "\(label(index)): \(failure.endpoint)", status: failure.status, reason: failure.reason)
            }
        }
    }

    /// The merged source, or nil when no replica returned counts or lines.
    var source: ErrorTypeReport.Source? {
        let sources = outcomes.compactMap(\.source)
        guard var merged = sources.first else { return nil }
        for other in sources.dropFirst() { merged = Self.merge(merged, other) }
        return merged
    }

    /// Returns `ok` when every replica succeeded, `partial` when some replica returned data and
    /// something failed, and otherwise the status most failures share.
    func status() -> (SourceStatus, String?) {
        if replicas.count == 1, let only = outcomes.first { return Self.status(of: only) }

        let statuses = outcomes.map(Self.status(of:))
        let failing = statuses.indices.filter { statuses[$0].0 != .ok }
        guard !failing.isEmpty else { return (.ok, nil) }
        let described = failing.map { "\(label($0)) \(statuses[$0].0.rawValue): \(statuses[$0].1 ?? "")" }
        if outcomes.contains(where: { $0.source != nil }) {
            let counted = outcomes.indices.filter { outcomes[$0].source != nil }.map { String($0 + 1) }.joined(separator: ", ")
            return (.partial, described.joined(separator: "; ") + "; the counts come from replica \(counted)")
        }
        let all = failures
        let dominant = Self.dominantStatus(all.map(\.status))
        let example = failing.first { statuses[$0].0 == dominant } ?? failing[0]
        return (dominant, "every replica failed; \(described[failing.firstIndex(of: example)!])")
    }

    private func label(_ index: Int) -> String {
        "replica \(index + 1) (\(replicas[index].endpointDescription))"
    }

    /// Returns the status of one replica's run: `partial` when some count query or page
    /// succeeded, otherwise the status most of its failures share.
    static func status(of outcome: LokiErrorRun.Outcome) -> (SourceStatus, String?) {
        guard let first = outcome.failures.first else { return (.ok, nil) }
        if outcome.coreSuccesses > 0 {
            return (.partial, "\(outcome.failures.count) of \(outcome.requests) requests failed; first: \(first.endpoint): \(first.reason)")
        }
        let status = dominantStatus(outcome.failures.map(\.status))
        let example = outcome.failures.first { $0.status == status } ?? first
        return (status, "\(example.endpoint): \(example.reason)")
    }

    /// Returns the most frequent status, ties going to the one that occurs first.
    static func dominantStatus(_ statuses: [SourceStatus]) -> SourceStatus {
        var tally: [SourceStatus: Int] = [:]
        for status in statuses { tally[status, default: 0] += 1 }
        var best = statuses.first ?? .ok
        for status in statuses where tally[status]! > tally[best]! { best = status }
        return best
    }

    // MARK: Counts

    /// Returns one source with the larger of each count of `left` and `right`.
    static func merge(_ left: ErrorTypeReport.Source, _ right: ErrorTypeReport.Source) -> ErrorTypeReport.Source {
        var merged = left
        merged.linesRead = max(left.linesRead, right.linesRead)
        merged.skippedOutsideWindow = max(left.skippedOutsideWindow, right.skippedOutsideWindow)
        merged.unparsableLines = max(left.unparsableLines, right.unparsableLines)
        merged.continuationLines = max(left.continuationLines, right.continuationLines)
        merged.truncatedLines = max(left.truncatedLines, right.truncatedLines)
        merged.otherLines = max(left.otherLines, right.otherLines)
        merged.otherServiceLines = max(left.otherServiceLines, right.otherServiceLines)

        var groups: [String: ErrorTypeReport.Group] = [:]
        for group in left.groups + right.groups {
            let key = (group.service ?? "\u{0}") + "\u{1}" + group.level
            groups[key] = groups[key].map { merge($0, group) } ?? group
        }
        merged.groups = groups.values.sorted { ($0.service ?? "", $0.level) < ($1.service ?? "", $1.level) }
        merged.errorLines = merged.groups.map(\.errorLines).reduce(0, +)
        merged.sampling = merge(left.sampling, right.sampling)
        return merged
    }

    static func merge(_ left: ErrorTypeReport.Group, _ right: ErrorTypeReport.Group) -> ErrorTypeReport.Group {
        var merged = left
        merged.errorLines = max(left.errorLines, right.errorLines)
        merged.otherLines = max(left.otherLines, right.otherLines)
        if let other = right.sampledLines { merged.sampledLines = max(left.sampledLines ?? 0, other) }

        var templates: [String: ErrorTypeReport.TemplateCount] = [:]
        for template in left.templates + right.templates {
            templates[template.template] = templates[template.template].map { merge($0, template) } ?? template
        }
        merged.templates = templates.values.sorted { ($1.count, $0.template) < ($0.count, $1.template) }
        return merged
    }

    static func merge(_ left: ErrorTypeReport.TemplateCount, _ right: ErrorTypeReport.TemplateCount) -> ErrorTypeReport.TemplateCount {
        var merged = left
        merged.count = max(left.count, right.count)
        merged.firstSeen = [left.firstSeen, right.firstSeen].compactMap { $0 }.min()
        merged.lastSeen = [left.lastSeen, right.lastSeen].compactMap { $0 }.max()
        let length = max(left.buckets.count, right.buckets.count)
        merged.buckets = (0..<length).map { index in
            max(left.buckets.indices.contains(index) ? left.buckets[index] : 0, right.buckets.indices.contains(index) ? right.buckets[index] : 0)
        }
        return merged
    }

    /// Keeps the larger sample. `stoppedBy` is nil when either replica read every matching
    /// line, because the merged counts then cover them all.
    static func merge(_ left: ErrorTypeReport.Sampling?, _ right: ErrorTypeReport.Sampling?) -> ErrorTypeReport.Sampling? {
        guard let left, let right else { return left ?? right }
        return ErrorTypeReport.Sampling(
            linesFetched: max(left.linesFetched, right.linesFetched), pages: max(left.pages, right.pages),
            fetchedBelowErrorLevel: max(left.fetchedBelowErrorLevel, right.fetchedBelowErrorLevel),
            countedBelowErrorLevel: max(left.countedBelowErrorLevel, right.countedBelowErrorLevel),
            stoppedBy: left.stoppedBy == nil || right.stoppedBy == nil ? nil : left.stoppedBy)
    }
}
