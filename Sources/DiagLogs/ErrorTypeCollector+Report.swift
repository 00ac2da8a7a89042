extension ErrorTypeCollector {
    /// Merges the templates mined so far and returns the source's part of the report.
    ///
    /// `redact` receives every template and service name before it enters the report; the caller
    /// passes its redactor there. Templates that render to the same text after privacy masking and
    /// redaction are counted as one.
    public mutating func report(redact: (String) -> String = { $0 }) -> ErrorTypeReport.Source {
        var textByTemplate: [Int: String] = [:]
        for template in miner.templates() { textByTemplate[template.id] = redact(template.text) }

        var groups: [GroupKey: GroupTotals] = [:]
        for (number, key) in counters.keys.enumerated() {
            let groupKey = GroupKey(service: key.service, level: key.level)
            let total = counters.totals[number]
            let count = total.count
            // Changed in place: a copy taken out of the dictionary would copy its templates each time.
            groups[groupKey, default: GroupTotals(bucketCount: counters.bucketCount)].errorLines += count
            if key.entry < 0 {
                groups[groupKey]!.otherLines += count
            } else {
                let text = textByTemplate[miner.templateID(ofEntry: Int(key.entry))] ?? MessageMasker.wildcard
                groups[groupKey]!.add(
                    text, count: count, first: total.firstSeen, last: total.lastSeen,
                    buckets: counters.buckets(of: number))
            }
        }

        let reportGroups = groups.map { key, totals in
            ErrorTypeReport.Group(
                service: serviceName(key.service).map(redact), level: levelName(key.level),
                errorLines: totals.errorLines, otherLines: totals.otherLines, templates: totals.sortedTemplates())
        }.sorted { ($0.service ?? "", $0.level) < ($1.service ?? "", $1.level) }

        return ErrorTypeReport.Source(
            name: name, linesRead: linesRead, errorLines: errorLines, skippedOutsideWindow: skippedOutsideWindow,
            unparsableLines: unparsableLines, continuationLines: continuationLines, truncatedLines: truncatedLines,
            otherLines: miner.otherCount + counters.droppedLines, otherServiceLines: services.overflowLines,
            groups: reportGroups)
    }

    private func serviceName(_ number: Int32) -> String? {
        switch number {
        case -1: return nil
        case -2: return "other"
        default: return services.names[Int(number)]
        }
    }

    private func levelName(_ rank: Int8) -> String {
        rank < 0 ? "unknown" : LogLevel.allCases[Int(rank)].rawValue
    }
}

private struct GroupKey: Hashable {
    var service: Int32
    var level: Int8
}

/// The running totals of one (service, level) group while the report is built.
private struct GroupTotals {
    let bucketCount: Int
    var errorLines = 0
    var otherLines = 0
    var templates: [String: ErrorTypeReport.TemplateCount] = [:]

    init(bucketCount: Int) { self.bucketCount = bucketCount }

    mutating func add(_ text: String, count: Int, first: Double, last: Double, buckets: ArraySlice<Int>) {
        var template = templates[text]
            ?? ErrorTypeReport.TemplateCount(
                template: text, count: 0, firstSeen: nil, lastSeen: nil,
                buckets: Array(repeating: 0, count: bucketCount))
        template.count += count
        if first.isFinite { template.firstSeen = min(template.firstSeen ?? first, first) }
        if last.isFinite { template.lastSeen = max(template.lastSeen ?? last, last) }
        for (index, value) in buckets.enumerated() { template.buckets[index] += value }
        templates[text] = template
    }

    func sortedTemplates() -> [ErrorTypeReport.TemplateCount] {
        templates.values.sorted { ($1.count, $0.template) < ($0.count, $1.template) }
    }
}
