import DiagArchive
import DiagCore
import DiagSupport
import Foundation

enum ReviewCommand {
    static let command = Command(
        name: "review", summary: "read a bundle before deciding to share it",
        help: """
            usage: waka-diag review BUNDLE [--list | --show PATH] [--json]

            Without options, prints a summary: site, mode, region, window, each source's status,
            the files with their sizes, replacements per rule, and what was left out.
              --list        list every file with its size and SHA-256
              --show PATH   print one file of the bundle (a path as --list shows it)
              --json        print the summary as JSON
            Reading a bundle writes nothing to disk.
            """,
        run: run)

    static func run(_ raw: [String]) async throws -> ExitStatus {
        let arguments = try Arguments(raw, options: ["show"], flags: ["list", "json"], command: "review")
        guard arguments.positional.count == 1 else {
            throw DiagError.usage("'review' needs exactly one BUNDLE path; run 'waka-diag help review'")
        }
        let bundle = URL(fileURLWithPath: arguments.positional[0])
        _ = try FileSafety.read(bundle).count
        let entries = try SafeTarReader.read(url: bundle, limits: ReadLimits())
        let (checks, manifestValue) = BundleVerifier.checkContents(entries)
        guard let manifest = manifestValue else {
            throw DiagError.data("\(bundle.path) is not a waka-diag bundle: \(checks.last?.detail ?? "no manifest")")
        }
        let root = manifest["bundle"]?.stringValue ?? ""
        var files: [String: Data] = [:]
        for entry in entries where entry.path.hasPrefix(root + "/") {
            files[String(entry.path.dropFirst(root.count + 1))] = entry.data
        }

        if let path = arguments.value("show") {
            guard let data = files[path] else {
                throw DiagError.noInput("\(path) is not in \(bundle.lastPathComponent); run 'waka-diag review \(bundle.path) --list'")
            }
            FileHandle.standardOutput.write(data)
            return .success
        }
        if arguments.has("list") {
            for path in files.keys.sorted() {
                let data = files[path]!
                Terminal.out("\(String(data.count).padding(toLength: 10, withPad: " ", startingAt: 0)) \(Sodium.sha256(data).hexString.prefix(16))  \(path)")
            }
            return .success
        }

        let report = files[BundleLayout.redactionReport].flatMap { try? JSONValue.parse($0) }
        if arguments.has("json") {
            Terminal.out(
                JSONValue.object([
                    "manifest": manifest, "redaction": report ?? .null,
                    "checks": .array(checks.map { ["check": .string($0.name), "passed": .bool($0.passed), "detail": .string($0.detail)] }),
                ]).serializedString())
            return checks.allSatisfy(\.passed) ? .success : .checkFailed
        }
        printSummary(manifest: manifest, report: report, files: files, checks: checks)
        return checks.allSatisfy(\.passed) ? .success : .checkFailed
    }

    static func printSummary(manifest: JSONValue, report: JSONValue?, files: [String: Data], checks: [BundleVerifier.Check]) {
        let text = { (key: String) in manifest[key]?.stringValue ?? "?" }
        Terminal.out("bundle  \(text("bundle"))")
        Terminal.out("site    \(text("site"))    mode \(text("mode"))    region \(text("region"))")
        Terminal.out("window  \(manifest["window"]?["start"]?.stringValue ?? "?") to \(manifest["window"]?["end"]?.stringValue ?? "?")")
        Terminal.out("")
        Terminal.out("sources:")
        for source in manifest["sources"]?.arrayValue ?? [] {
            let name = (source["name"]?.stringValue ?? "?").padding(toLength: 16, withPad: " ", startingAt: 0)
            let status = (source["status"]?.stringValue ?? "?").padding(toLength: 17, withPad: " ", startingAt: 0)
            Terminal.out("  \(name) \(status) \(source["reason"]?.stringValue ?? "")")
        }
        Terminal.out("")
        Terminal.out("files (\(files.count)):")
        for path in files.keys.sorted() { Terminal.out("  \(String(files[path]!.count).padding(toLength: 9, withPad: " ", startingAt: 0)) \(path)") }
        if let rules = report?["rules"]?.objectValue, !rules.isEmpty {
            Terminal.out("")
            Terminal.out("replacements per rule:")
            for id in rules.keys.sorted() {
                Terminal.out("  \(String(rules[id]?["total"]?.intValue ?? 0).padding(toLength: 7, withPad: " ", startingAt: 0)) \(id)")
            }
        }
        let leftOut = manifest["left_out"]?.arrayValue ?? []
        if !leftOut.isEmpty {
            Terminal.out("")
            Terminal.out("left out:")
            for item in leftOut { Terminal.out("  \(item["path"]?.stringValue ?? "?"): \(item["reason"]?.stringValue ?? "")") }
        }
        Terminal.out("")
        for check in checks where !check.passed { Terminal.out("FAIL \(check.name): \(check.detail)") }
        Terminal.out("Read any file with: waka-diag review BUNDLE --show PATH")
    }
}
