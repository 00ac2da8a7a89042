import DiagRedaction
import DiagSupport
import Foundation

/// Shared state of one fuzz target process: the default ruleset and a redactor that is replaced
/// every `redactorRuns` inputs, so what it records cannot grow without bound.
enum FuzzSupport {
    static let redactorRuns = 500
    nonisolated(unsafe) static var runs = 0
    nonisolated(unsafe) static var current: Redactor?

    /// The default ruleset, read from `WAKA_DIAG_RULES` (set by fuzz/run).
    static let ruleset: Ruleset = {
        guard let path = ProcessInfo.processInfo.environment["WAKA_DIAG_RULES"] else {
            fatalError("set WAKA_DIAG_RULES to the path of Redaction/default.yaml")
        }
        do {
            return try Ruleset.load(default: URL(fileURLWithPath: path))
        } catch {
            fatalError("cannot load \(path): \(error)")
        }
    }()

    static func redactor() -> Redactor {
        runs += 1
        if current == nil || runs % redactorRuns == 0 {
            current = Redactor(ruleset: ruleset, pseudonymizer: Pseudonymizer(secret: [UInt8](repeating: 7, count: 32)))
        }
        return current!
    }
}
