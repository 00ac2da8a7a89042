/// A reviewed list of the fields of one kind of structured config (YAML or JSON) whose values
/// may stay after rule redaction.
///
/// In allowlist mode, every other scalar value of a file this allowlist covers is replaced: by the
/// typed pseudonym or marker of a `keys` rule that names its key, else by
/// `Allowlist.notAllowlistedMarker`, so the value of a field that no rule names is replaced too. Keys
/// stay (after the pattern rules), and so do nulls, empty strings and the booleans `true` and
/// `false`, because they carry no identifier. YAML comments get the rules only.
public struct Allowlist: Sendable, Equatable {
    public var id: String
    public var description: String
    /// Globs for the files this allowlist covers. A glob with `/` is matched against the whole
    /// bundle path, one without against the file name only. `*` and `?` never match `/`, and
    /// `**` matches any number of folders.
    public var files: [String]
    /// The key paths whose values may stay.
    public var keep: [AllowlistPath]
    /// The file the allowlist was read from.
    public var source: String

    public init(id: String, description: String, files: [String], keep: [AllowlistPath], source: String) {
        self.id = id
        self.description = description
        self.files = files
        self.keep = keep
        self.source = source
    }

    /// The replacement of a value that no allowlisted path covers. It has the shape of the
    /// engine's other markers, so redacting the text again keeps it.
    public static let notAllowlistedMarker = "<redacted:not-allowlisted>"

    /// The rule id under which the redaction report counts values replaced by allowlist mode.
    public static let reportRuleID = "not-allowlisted"

    /// Returns whether this allowlist covers the bundle path `file`.
    public func covers(file: String) -> Bool {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        return files.contains { glob in
            glob.contains("/") ? Self.globMatches(glob, file) : Self.globMatches(glob, name)
        }
    }

    /// Returns whether the value at `steps` may stay.
    public func keeps(_ steps: [ConfigPathStep]) -> Bool {
        keep.contains { $0.matches(steps) }
    }

    /// Returns whether the glob matches the whole of `text`: `*` any run of characters other than
    /// `/`, `**` any run including `/`, `?` one character other than `/`.
    static func globMatches(_ glob: String, _ text: String) -> Bool {
        globMatches(Array(glob.unicodeScalars)[...], Array(text.unicodeScalars)[...])
    }

    private static func globMatches(_ glob: ArraySlice<Unicode.Scalar>, _ text: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let first = glob.first else { return text.isEmpty }
        switch first {
        case "*":
            let crossesFolders = glob.dropFirst().first == "*"
            let rest = glob.dropFirst(crossesFolders ? 2 : 1)
            // `**/` also matches no folder at all, so `a/**/b` matches `a/b`.
            if crossesFolders, rest.first == "/", globMatches(rest.dropFirst(), text) { return true }
            var remaining = text
            while true {
                if globMatches(rest, remaining) { return true }
                guard let next = remaining.first, crossesFolders || next != "/" else { return false }
                remaining = remaining.dropFirst()
            }
        case "?":
            guard let next = text.first, next != "/" else { return false }
            return globMatches(glob.dropFirst(), text.dropFirst())
        default:
            guard text.first == first else { return false }
            return globMatches(glob.dropFirst(), text.dropFirst())
        }
    }

    /// Returns whether a scalar with this text and these properties may stay in allowlist mode
    /// whatever its path: a null, an empty string or a boolean.
    static func isValueFree(_ value: String, plainStyle: Bool) -> Bool {
        if value.isEmpty { return true }
        guard plainStyle else { return false }
        return ["~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"].contains(value)
    }
}
