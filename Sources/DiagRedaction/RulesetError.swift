import DiagSupport

/// A ruleset file that fails its schema, naming the file, the rule and the key path at fault.
public struct RulesetError: DiagnosticError, Equatable {
    /// The file (or other source name) the text came from.
    public var source: String
    /// The id of the rule at fault, when the rule has a readable id.
    public var ruleID: String?
    /// The position of the rule in its file's `rules` list, counted from 0.
    public var ruleIndex: Int?
    /// The key path inside the file, such as `rules[2].pattern`.
    public var path: String
    /// The line of the offending value, counted from 1, when the parser recorded one.
    public var line: Int?
    public var reason: String

    public var exitStatus: ExitStatus { .dataError }

    public var description: String {
        var location = path.isEmpty ? "top level" : path
        if let line { location += ", line \(line)" }
        let subject: String
        if let ruleID {
            subject = "rule '\(ruleID)'"
        } else if let ruleIndex {
            subject = "rule #\(ruleIndex + 1)"
        } else {
            subject = "ruleset"
        }
        return "\(subject) in \(source) (\(location)): \(reason)"
    }
}
