import DiagSupport

/// The allowlist that governs a document, with the path of the value being redacted.
struct AllowlistScope {
    let allowlist: Allowlist
    private(set) var path: [ConfigPathStep] = []

    init(_ allowlist: Allowlist) { self.allowlist = allowlist }

    func appending(_ step: ConfigPathStep) -> AllowlistScope {
        var next = self
        next.path.append(step)
        return next
    }

    /// Whether the value at `path` may stay after rule redaction.
    var keepsValue: Bool { allowlist.keeps(path) }

    /// Returns the scope of a value under a key that is not plain text (a YAML mapping or list
    /// used as a key). No allowlist path can name it except `**`, so its values are replaced.
    func appendingComplexKey() -> AllowlistScope {
        appending(.key("\u{0}complex-key"))
    }
}

extension Redactor {
    /// Returns the allowlist that governs `file`: nil when allowlist mode is off or no allowlist
    /// covers the file, which then gets rule redaction only.
    public func allowlist(for file: String) -> Allowlist? {
        guard ruleset.allowlistMode else { return nil }
        return ruleset.allowlists.first { $0.covers(file: file) }
    }

    /// Returns the scope for a whole document of `file`, recording in `log` which allowlist
    /// governs it.
    func allowlistScope(for file: String, log: inout RedactionLog) -> AllowlistScope? {
        guard let allowlist = allowlist(for: file) else { return nil }
        log.report.noteAllowlist(allowlist.id, file: file)
        return AllowlistScope(allowlist)
    }

    /// Returns whether allowlist mode replaces a scalar with this text at `scope`. It does when the
    /// path is not allowlisted and the value is neither null, empty, a boolean, a marker nor a
    /// pseudonym that earlier redaction wrote, so redacting a bundle again keeps its pseudonyms.
    func replacesNotAllowlisted(_ value: String, plainStyle: Bool, scope: AllowlistScope?) -> Bool {
        guard let scope, !scope.keepsValue else { return false }
        if Allowlist.isValueFree(value, plainStyle: plainStyle) { return false }
        return !Self.isWholeMarker(value) && !isKnownPseudonym(value)
    }

    /// Returns the marker for a value outside the allowlist and counts it in the report. The
    /// original is not recorded for the leak check, because such values are mostly ordinary words
    /// and numbers (`5m`, `true`, `0`) that occur everywhere.
    func notAllowlisted(log: inout RedactionLog) -> String {
        log.report.add(rule: Allowlist.reportRuleID, file: log.file)
        return Allowlist.notAllowlistedMarker
    }

    /// Returns whether `value` is exactly one `<redacted:…>` marker.
    static func isWholeMarker(_ value: String) -> Bool {
        guard value.hasPrefix("<redacted:"), value.hasSuffix(">") else { return false }
        var text = value
        return text.withUTF8 { buffer in
            let ranges = markerRanges(in: buffer)
            return ranges.count == 1 && ranges[0] == 0..<buffer.count
        }
    }
}
