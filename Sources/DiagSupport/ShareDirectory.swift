import Foundation

/// Locates the read-only files waka-diag ships beside its sources: `Redaction/` (the default
/// ruleset), `Queries/` (the default query set) and `Schemas/`.
///
/// The search order is `$WAKA_DIAG_HOME`, then `share/waka-diag` beside the executable's `bin`
/// folder (where `scripts/install` puts the files), then each parent of the executable's real
/// path (so `.build/release/waka-diag` finds the checkout it was built from), then the current
/// folder.
public enum ShareDirectory {
    /// The default ruleset's path inside the share folder.
    public static let defaultRuleset = "Redaction/default.yaml"

    /// Returns the default ruleset's full path, for a command printed in a message that must
    /// work from any folder, or `defaultRuleset` when no share folder is found.
    public static func defaultRulesetPath() -> String {
        locate()?.appendingPathComponent(defaultRuleset).path ?? defaultRuleset
    }

    /// Returns the folder that contains `Redaction/default.yaml`, or nil when no candidate does.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executablePath: String = currentExecutable()
    ) -> URL? {
        var candidates: [URL] = []
        if let home = environment["WAKA_DIAG_HOME"], !home.isEmpty {
            candidates.append(URL(fileURLWithPath: home))
        }
        let executable = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        candidates.append(folder.deletingLastPathComponent().appendingPathComponent("share/waka-diag"))
        for _ in 0..<6 {
            candidates.append(folder)
            folder = folder.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return candidates.first { candidate in
            FileManager.default.fileExists(atPath: candidate.appendingPathComponent(defaultRuleset).path)
        }
    }

    /// Returns the running executable's path from `/proc/self/exe`, which is right however the
    /// program was started (a bare name found on PATH included), else the first argument.
    public static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
    }

    /// Returns the share folder, or throws an error that explains how to point waka-diag at it.
    public static func require() throws -> URL {
        guard let folder = locate() else {
            throw DiagError.configuration(
                "cannot find waka-diag's Redaction/default.yaml in share/waka-diag beside the executable, next to it or in the current folder; install with scripts/install, set WAKA_DIAG_HOME to the waka-diag checkout, or pass --rules with the path of a ruleset file"
            )
        }
        return folder
    }
}
