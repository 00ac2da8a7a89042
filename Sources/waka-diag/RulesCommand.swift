import DiagCore
import DiagRedaction
import DiagSupport
import Foundation

enum RulesCommand {
    static let command = Command(
        name: "rules", summary: "list, check and test redaction rulesets",
        help: """
            usage: waka-diag rules list  [--rules PATH] [--extra-rules PATH]
                   waka-diag rules check FILE [--extra-rules PATH]
                   waka-diag rules test  FILE [--extra-rules PATH]

            list   prints a table of the rules: id, kind, how it detects, enabled
            check  loads FILE, checks it against the ruleset schema and compiles every pattern
            test   runs every rule's examples: each 'redact' example must change, each 'keep'
                   example must stay byte-identical; prints a line per failure and exits 1
            """,
        run: run)

    static func run(_ raw: [String]) async throws -> ExitStatus {
        guard let action = raw.first else {
            throw DiagError.usage("'rules' needs an action: list, check or test; run 'waka-diag help rules'")
        }
        let arguments = try Arguments(Array(raw.dropFirst()), options: ["rules", "extra-rules"], flags: [], command: "rules")
        let extra = arguments.all("extra-rules").map { URL(fileURLWithPath: $0) }
        func load() throws -> Ruleset {
            if let file = arguments.positional.first {
                return try Ruleset.load(default: URL(fileURLWithPath: file), extra: extra)
            }
            return try RedactionSetup.ruleset(arguments)
        }

        switch action {
        case "list":
            let ruleset = try load()
            Terminal.out("id".padding(toLength: 28, withPad: " ", startingAt: 0) + "kind".padding(toLength: 18, withPad: " ", startingAt: 0) + "detects by            enabled")
            for rule in ruleset.rules {
                var detection: [String] = []
                if rule.pattern != nil { detection.append(rule.validator.map { "pattern+\($0.rawValue)" } ?? "pattern") }
                if rule.keys != nil { detection.append("keys") }
                if rule.labels != nil { detection.append("labels") }
                if rule.childKeys != nil { detection.append("child-keys") }
                Terminal.out(
                    rule.id.padding(toLength: 28, withPad: " ", startingAt: 0) + rule.kind.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)
                        + detection.joined(separator: ",").padding(toLength: 22, withPad: " ", startingAt: 0)
                        + (rule.enabled ? "yes" : "no (\(rule.reason ?? ""))"))
            }
            if !ruleset.keywords.isEmpty { Terminal.out("plus \(ruleset.keywords.count) operator keywords") }
            return .success
        case "check":
            guard arguments.positional.count == 1 else { throw DiagError.usage("'rules check' needs one FILE") }
            let ruleset = try load()
            Terminal.out("\(arguments.positional[0]): valid, \(ruleset.rules.count) rules (\(ruleset.enabledRules.count) enabled), \(ruleset.keywords.count) keywords")
            return .success
        case "test":
            guard arguments.positional.count <= 1 else { throw DiagError.usage("'rules test' takes at most one FILE") }
            return try test(load())
        default:
            throw DiagError.usage("unknown action '\(action)' for 'rules': use list, check or test")
        }
    }

    static func test(_ ruleset: Ruleset) throws -> ExitStatus {
        let failures = ruleset.checkExamples()
        let total = ruleset.enabledRules.reduce(0) { $0 + $1.examples.redact.count + $1.examples.keep.count }
        for failure in failures { Terminal.out("FAIL \(failure)") }
        Terminal.out("\(total - failures.count) passed, \(failures.count) failed")
        return failures.isEmpty ? .success : .checkFailed
    }
}
