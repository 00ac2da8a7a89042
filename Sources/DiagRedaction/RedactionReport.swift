import DiagSupport

/// How many replacements each rule made in each file: counts only, never values.
public struct RedactionReport: Sendable, Equatable {
    /// Counts by rule id, then by file name.
    public private(set) var counts: [String: [String: Int]] = [:]

    public init() {}

    public mutating func add(rule: String, file: String, count: Int = 1) {
        counts[rule, default: [:]][file, default: 0] += count
    }

    public mutating func merge(_ other: RedactionReport) {
        for (rule, files) in other.counts {
            for (file, count) in files { add(rule: rule, file: file, count: count) }
        }
    }

    /// Returns the number of replacements by `rule`, in every file.
    public func total(for rule: String) -> Int {
        counts[rule]?.values.reduce(0, +) ?? 0
    }

    /// All replacements by every rule.
    public var total: Int {
        counts.values.reduce(0) { $0 + $1.values.reduce(0, +) }
    }

    /// `{"rules": {ruleId: {"total": n, "files": {file: n}}}}`.
    public func jsonValue() -> JSONValue {
        let rules = counts.mapValues { files -> JSONValue in
            [
                "total": .int(Int64(files.values.reduce(0, +))),
                "files": .object(files.mapValues { .int(Int64($0)) }),
            ]
        }
        return ["rules": .object(rules)]
    }
}
