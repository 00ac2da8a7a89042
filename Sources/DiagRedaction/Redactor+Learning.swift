import DiagSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension Redactor {
    /// Kinds whose values, once found by key in a document, are also replaced where the same
    /// document mentions them in prose, such as an alert annotation naming its tenant.
    static let learnableKinds: Set<RuleKind> = [.tenantID, .userID, .customerID, .identifier, .hostname]

    /// Account and software names that a user-name rule may replace where a key names them, but
    /// that are not learned for the rest of the document. Words such as `admin` or `grafana` also
    /// name roles, software and configuration keys, and identify no person or tenant.
    public static let genericValues: Set<String> = [
        "root", "admin", "administrator", "grafana", "prometheus", "alertmanager", "loki", "jaeger", "tempo",
        "mimir", "postgres", "mysql", "redis", "nobody", "www-data", "daemon", "guest", "test", "user", "default",
        "system", "service", "operator", "anonymous", "ubuntu", "debian", "ec2-user", "node", "none", "null",
        "true", "false", "localhost", "promtail", "alloy", "grafana-agent", "otelcol", "otel", "vector", "fluentd",
        "fluent-bit", "nginx", "haproxy", "kafka", "elasticsearch", "opensearch", "consul", "vault", "etcd", "minio",
        "thanos", "cortex", "pyroscope", "node_exporter", "node-exporter", "blackbox_exporter", "kube-state-metrics",
        "apikey", "api", "app", "web", "backup", "monitoring", "metrics", "exporter", "reader", "writer",
    ]

    /// Remembers a value found by key, for the rest of the document. For hosts it remembers each
    /// host name in the value without its port. Kept hosts and addresses are skipped, because the
    /// patterns find addresses anyway.
    func learn(_ value: String, rule: CompiledRule, log: inout RedactionLog) {
        guard log.learnsAcrossLines else { return }
        for learned in learnableValues(value, rule: rule) { log.learn(learned, rule: rule) }
    }

    /// Returns what `learn` remembers of `value`: the value itself, each host name in it, or
    /// nothing. Values shorter than `RedactionLog.minimumLearnedLength` are left out.
    func learnableValues(_ value: String, rule: CompiledRule) -> [String] {
        guard Self.learnableKinds.contains(rule.kind), value.utf8.count >= RedactionLog.minimumLearnedLength,
            !value.hasPrefix("<redacted:"), !Self.genericValues.contains(value.lowercased()), !rule.allows(value),
            !isKeyName(value, kind: rule.kind)
        else { return [] }
        guard rule.kind == .hostname else { return [value] }
        var names: [String] = []
        let prose = Self.isProse(value)
        for token in value.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
        where !token.contains("://") && (!prose || Self.isHostShaped(String(token))) {
            var host = Substring(token)
            if let colon = host.lastIndex(of: ":"), host.utf8.lazy.filter({ $0 == UInt8(ascii: ":") }).count == 1 {
                host = host[..<colon]
            }
            let name = String(host)
            guard name.utf8.count >= RedactionLog.minimumLearnedLength, !name.hasPrefix("["), !compiled.keepsHost(name),
                !Self.genericValues.contains(name.lowercased()), !names.contains(name)
            else { continue }
            names.append(name)
        }
        return names
    }

    /// Learns the values of `key=value` pairs and label matchers in free text.
    func learn(fromText text: String, log: inout RedactionLog) {
        guard text.utf8.count >= RedactionLog.minimumLearnedLength else { return }
        var text = text
        text.withUTF8 { buffer in
            guard let spans = try? KeyValueScanner.scan(buffer, ruleForKey: { compiled.rule(forKey: $0) }) else { return }
            for span in spans {
                learn(String(decoding: UnsafeBufferPointer(rebasing: buffer[span.range]), as: UTF8.self), rule: span.rule, log: &log)
            }
        }
    }

    /// Learns every value that a key rule claims in a JSON document, and the pairs in its strings,
    /// before the document is redacted.
    func learn(fromJSON value: JSONValue, log: inout RedactionLog) {
        switch value {
        case .string(let text):
            learn(fromText: text, log: &log)
        case .array(let items):
            for item in items { learn(fromJSON: item, log: &log) }
        case .object(let members):
            if let pair = pairRule(members), let value = members["value"] ?? members["Value"] {
                learnKeyed(value, rule: pair.rule, log: &log)
            }
            for (key, member) in members {
                if let rule = compiled.rule(forKey: key) {
                    learnKeyed(member, rule: rule, log: &log)
                } else {
                    learn(fromJSON: member, log: &log)
                }
                if let parentRule = compiled.rule(forParentKey: key), case .object(let children) = member {
                    for childKey in children.keys { learn(childKey, rule: parentRule, log: &log) }
                }
            }
        default:
            break
        }
    }

    private func learnKeyed(_ value: JSONValue, rule: CompiledRule, log: inout RedactionLog) {
        switch value {
        case .string(let text): learn(text, rule: rule, log: &log)
        case .int(let number): learn(String(number), rule: rule, log: &log)
        case .array(let items): for item in items { learnKeyed(item, rule: rule, log: &log) }
        case .object(let members):
            let pairObject = Self.isPairObject(keys: Set(members.keys), typeValue: members["type"]?.stringValue)
            for field in keyedFields(under: rule, pairObject: pairObject) where compiled.rule(forKey: field) == nil {
                if case .string(let text) = members[field] { learn(text, rule: rule, log: &log) }
            }
            learn(fromJSON: value, log: &log)
        default: break
        }
    }

    /// Learns every scalar that a key rule claims in YAML documents, before they are redacted.
    func learn(fromYAML node: YAMLNode, keyRule: CompiledRule?, log: inout RedactionLog) {
        switch node {
        case .scalar(let scalar):
            if let keyRule {
                learn(scalar.value, rule: keyRule, log: &log)
            } else {
                learn(fromText: scalar.value, log: &log)
            }
        case .sequence(let items):
            for item in items { learn(fromYAML: item, keyRule: keyRule, log: &log) }
        case .mapping(let pairs):
            let named = pairRule(pairs)
            for pair in pairs {
                var rule = pair.key.scalarValue.flatMap { compiled.rule(forKey: $0) }
                if rule == nil, Self.isPairValueKey(pair.key.scalarValue) { rule = named?.rule }
                if rule == nil, let keyRule, let field = pair.key.scalarValue,
                    keyedFields(under: keyRule, pairObject: Self.isPairObject(pairs)).contains(field),
                    case .scalar = pair.value
                {
                    rule = keyRule
                }
                learn(fromYAML: pair.value, keyRule: rule, log: &log)
                if let parentRule = pair.key.scalarValue.flatMap({ compiled.rule(forParentKey: $0) }),
                    case .mapping(let children) = pair.value
                {
                    for child in children { if let name = child.key.scalarValue { learn(name, rule: parentRule, log: &log) } }
                }
            }
        }
    }
}

extension Redactor {
    /// Returns spans for the other whole-token occurrences of each learnable key value in
    /// `keySpans`, searched only on the line that contains the key. Streaming uses this in place of
    /// learning for the whole call, which would grow without bound over a long log.
    func lineLearnedSpans(_ keySpans: [Span], in buffer: UnsafeBufferPointer<UInt8>) -> [Span] {
        var spans: [Span] = []
        for span in keySpans {
            let rule = span.rule
            guard Self.learnableKinds.contains(rule.kind), span.range.count >= RedactionLog.minimumLearnedLength else {
                continue
            }
            var lineStart = span.range.lowerBound
            while lineStart > 0, buffer[lineStart - 1] != 0x0A { lineStart -= 1 }
            var lineEnd = span.range.upperBound
            while lineEnd < buffer.count, buffer[lineEnd] != 0x0A { lineEnd += 1 }
            // A value other than a host list is learned whole, so a line that contains it only once
            // has nothing to learn. Checking that first skips the costlier checks of most values.
            if !Self.occursTwice(Self.learnedRange(of: span, in: buffer), in: buffer, from: lineStart, to: lineEnd) { continue }

            let value = String(decoding: UnsafeBufferPointer(rebasing: buffer[span.range]), as: UTF8.self)
            let learnedValues = learnableValues(value, rule: rule)
            guard !learnedValues.isEmpty else { continue }

            for learned in learnedValues {
                let needle = Array(learned.utf8)
                var start = lineStart
                while let found = Self.find(needle, in: buffer, from: start, to: lineEnd) {
                    let end = found + needle.count
                    if !span.range.contains(found), PseudonymMap.isWholeToken(start: found, end: end, in: buffer) {
                        spans.append(Span(range: found..<end, rule: rule, origin: .learned))
                    }
                    start = found + 1
                }
            }
        }
        return spans
    }

    /// Returns the part of `span` that must occur elsewhere on its line for `lineLearnedSpans` to
    /// find anything: the whole value, or the host alone for a single host with a port. A host
    /// list is learned name by name, so for a list this is the value's first byte.
    static func learnedRange(of span: Span, in buffer: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        guard span.rule.kind == .hostname else { return span.range }
        var colons = 0
        var lastColon = span.range.upperBound
        for index in span.range {
            let byte = buffer[index]
            if isHostSeparator(byte) { return span.range.lowerBound..<(span.range.lowerBound + 1) }
            if byte == UInt8(ascii: ":") {
                colons += 1
                lastColon = index
            }
        }
        // `learnableValues` cuts the port only where there is one colon, so an IPv6 address stays whole.
        return colons == 1 ? span.range.lowerBound..<lastColon : span.range
    }

    /// Returns whether the bytes of `range` occur in `buffer[from..<to]` somewhere other than at
    /// `range` itself.
    static func occursTwice(_ range: Range<Int>, in buffer: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Bool {
        let needle = Array(buffer[range])
        var start = from
        while let found = find(needle, in: buffer, from: start, to: to) {
            if found != range.lowerBound { return true }
            start = found + 1
        }
        return false
    }

    /// Returns the offset of the first occurrence of `needle` in `buffer[from..<to]`, or nil.
    static func find(_ needle: [UInt8], in buffer: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard let first = needle.first, let base = buffer.baseAddress, from >= 0, to - from >= needle.count else { return nil }
        var index = from
        let last = to - needle.count
        while index <= last {
            guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
            let position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            let matched = needle.withUnsafeBufferPointer { rest in
                memcmp(base + position + 1, rest.baseAddress! + 1, needle.count - 1) == 0
            }
            if matched { return position }
            index = position + 1
        }
        return nil
    }
}
