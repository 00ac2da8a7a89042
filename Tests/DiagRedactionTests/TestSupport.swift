import DiagRedaction
import DiagSupport
import Foundation
import TestCleanup

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
