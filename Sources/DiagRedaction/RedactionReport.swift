import DiagSupport

/// How many replacements each rule made in each file: counts only, never values.
public struct RedactionReport: Sendable, Equatable {
    /// Counts by rule id, then by file name.
    public private(set) var counts: [String: [String: Int]] = [:]
    /// Whether allowlist mode was on. The JSON gets an `allowlist` member only when it was.
    public var allowlistMode = false
    /// The id of the allowlist that governed each file, by file name, in allowlist mode.
    public private(set) var allowlistFiles: [String: String] = [:]

    /// How many times `add` was called, so a caller can tell whether a nested redaction
    /// counted a replacement already.
    private(set) var additions = 0

    public init() {}

    public mutating func add(rule: String, file: String, count: Int = 1) {
        counts[rule, default: [:]][file, default: 0] += count
        additions += 1
    }

    /// Counts a key rule's replacement unless a nested redaction counted one since `additions`
    /// was read, as the URL rules do for a URL under a host key: one change, counted once.
    mutating func add(rule: String, file: String, unlessCountedSince additions: Int) {
        if self.additions == additions { add(rule: rule, file: file) }
    }

    /// Records that allowlist `id` governed `file`.
    public mutating func noteAllowlist(_ id: String, file: String) {
        allowlistFiles[file] = id
    }

    /// Reports are equal when they count the same; how the counts were added does not matter.
    public static func == (left: RedactionReport, right: RedactionReport) -> Bool {
        left.counts == right.counts && left.allowlistMode == right.allowlistMode && left.allowlistFiles == right.allowlistFiles
    }

    /// Moves the counts and the allowlist of `file` to `newName`, adding to any that `newName`
    /// has, for a file renamed after it was redacted.
    public mutating func renameFile(_ file: String, to newName: String) {
        guard file != newName else { return }
        for rule in counts.keys {
            if let count = counts[rule]?.removeValue(forKey: file) { counts[rule]![newName, default: 0] += count }
        }
        if let allowlist = allowlistFiles.removeValue(forKey: file) { allowlistFiles[newName] = allowlist }
    }

    public mutating func merge(_ other: RedactionReport) {
        for (rule, files) in other.counts {
            for (file, count) in files { add(rule: rule, file: file, count: count) }
        }
        allowlistMode = allowlistMode || other.allowlistMode
        allowlistFiles.merge(other.allowlistFiles) { mine, _ in mine }
    }

    /// Returns the number of replacements by `rule`, in every file.
    public func total(for rule: String) -> Int {
        counts[rule]?.values.reduce(0, +) ?? 0
    }

    /// All replacements by every rule.
    public var total: Int {
        counts.values.reduce(0) { $0 + $1.values.reduce(0, +) }
    }

    /// `{"rules": {ruleId: {"total": n, "files": {file: n}}}}`, and in allowlist mode also
    /// `"allowlist": {"enabled": true, "files": {file: {"allowlist": id, "replaced": n}}}`.
    public func jsonValue() -> JSONValue {
        let rules = counts.mapValues { files -> JSONValue in
            [
                "total": .int(Int64(files.values.reduce(0, +))),
                "files": .object(files.mapValues { .int(Int64($0)) }),
            ]
        }
        guard allowlistMode else { return ["rules": .object(rules)] }

        let replaced = counts[Allowlist.reportRuleID] ?? [:]
        var files: [String: JSONValue] = [:]
        for (file, id) in allowlistFiles {
            files[file] = ["allowlist": .string(id), "replaced": .int(Int64(replaced[file] ?? 0))]
        }
        return ["rules": .object(rules), "allowlist": ["enabled": true, "files": .object(files)]]
    }
}
