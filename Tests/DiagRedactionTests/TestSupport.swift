import DiagRedaction
import DiagSupport
import Foundation

/// Paths and fixtures shared by the redaction tests.
enum TestSupport {
    /// The repository root, found from this file's path (Tests/DiagRedactionTests/TestSupport.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let defaultRulesetURL = repositoryRoot.appendingPathComponent("Redaction/default.yaml")

    static let defaultRuleset: Ruleset = {
        do {
            return try Ruleset.load(default: defaultRulesetURL)
        } catch {
            fatalError("cannot load \(defaultRulesetURL.path): \(error)")
        }
    }()

    /// A fixed site secret, so pseudonyms are the same in every run.
    static let secret = [UInt8](repeating: 0x5A, count: 32)

    static func makeRedactor(_ ruleset: Ruleset = defaultRuleset) -> Redactor {
        Redactor(ruleset: ruleset, pseudonymizer: Pseudonymizer(secret: secret))
    }

    /// Creates an empty folder under the system temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("redaction-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        ExitCleanup.register(url)
        return url
    }
}

/// Removes, when the test process exits, folders that shared fixtures keep for the whole run.
enum ExitCleanup {
    private static var paths: [String] = []
    private static let lock = NSLock()
    private static let installed: Void = { atexit { ExitCleanup.paths.forEach { try? FileManager.default.removeItem(atPath: $0) } } }()

    static func register(_ url: URL) {
        _ = installed
        lock.lock()
        paths.append(url.path)
        lock.unlock()
    }
}
