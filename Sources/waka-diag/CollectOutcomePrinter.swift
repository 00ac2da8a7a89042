import DiagCollect
import DiagCore
import DiagSupport
import Foundation

/// Prints the end of a `collect`: a table of sources, the files, replacements and tenant
/// counts, the bundle path (on stdout, for scripts) and the commands to run next.
enum CollectOutcomePrinter {
    /// Returns the URL a source named `prometheus` or `prometheus-replica-2` was collected from.
    static func endpointURL(of source: String, settings: CollectionSettings) -> URL? {
        for (component, endpoints) in settings.endpoints {
            for endpoint in endpoints {
                let name = endpoint.replica == 1 ? component.rawValue : "\(component.rawValue)-replica-\(endpoint.replica)"
                if name == source { return endpoint.url }
            }
        }
        return nil
    }


    static func print(_ outcome: CollectionOutcome, settings: CollectionSettings) {
        Terminal.err("")
        Terminal.err(row("source", "status", "time", "files"))
        for source in outcome.sources {
            let status = source.status == .ok ? source.status.rawValue : Terminal.paint(source.status.rawValue, code: "33")
            let padding = String(repeating: " ", count: max(0, 17 - source.status.rawValue.count))
            Terminal.err(
                source.name.padding(toLength: max(22, source.name.count), withPad: " ", startingAt: 0) + " " + status + padding
                    + String(format: "%7.1f s", source.durationSeconds) + String(format: "%7d", source.documents))
            if let reason = source.reason {
                // The operator's own URL, not the pseudonymized one the bundle records.
                let place = endpointURL(of: source.name, settings: settings).map { "\($0.absoluteString): " } ?? ""
                var hint = ""
                if source.status == .timedOut {
                    hint = "; give it more time with --timeout (now \(DurationText.format(settings.sourceTimeout))) or --deadline (now \(DurationText.format(settings.overallTimeout)))"
                }
                Terminal.err("    \(place)\(reason)\(hint)")
            }
        }
        for item in outcome.leftOut where item.source != "size-budget" {
            Terminal.warning("left out \(item.path): \(item.reason)")
        }

        Terminal.err("")
        var files = "\(outcome.fileCount) in the bundle"
        let leftOut = outcome.leftOut.filter { $0.source != "size-budget" }.count
        if leftOut > 0 { files += ", \(leftOut) left out" }
        if !outcome.cut.isEmpty {
            let bytes = outcome.cut.reduce(0) { $0 + $1.bytes }
            files += ", \(outcome.cut.count) cut by the size budget (\(ByteCount.format(bytes)))"
        }
        Terminal.err(label("files") + files)
        Terminal.err(label("redaction") + "\(outcome.replacements) replacements (counts per rule in redaction/report.json)")
        if let tenants = outcome.tenantReport, tenants.scope != .aggregated || tenants.perTenantSeries + tenants.perTenantLabelValues > 0 {
            Terminal.err(label("tenants") + tenants.sentence)
        }
        Terminal.err(label("status") + (outcome.incompleteWarning ?? "complete"))
        Terminal.err(label("signature") + outcome.signature.path)
        if let encrypted = outcome.encrypted { Terminal.err(label("encrypted") + encrypted.path) }
        // On a terminal the label and the path on stdout read as one line. When stdout goes to
        // a file or a pipe, the summary on stderr names the bundle itself.
        if Terminal.stdoutIsTerminal {
            FileHandle.standardError.write(Data(label("bundle").utf8))
        } else {
            Terminal.err(label("bundle") + outcome.bundle.path)
        }
        Terminal.out(outcome.bundle.path)

        let publicKey = publicKeyHint(settings.signingKeyPath)
        Terminal.err("")
        let command = commandName()
        Terminal.err("next:")
        Terminal.err("  \(command) review \(outcome.bundle.path)")
        Terminal.err("  \(command) review \(outcome.bundle.path) --show SUMMARY.md")
        Terminal.err("  \(command) verify \(outcome.bundle.path) --public-key \(publicKey)")
    }

    /// Returns `waka-diag` when that name on PATH runs this executable, else this executable's
    /// path, so the printed commands work as they are copied.
    static func commandName(path: String = ProcessInfo.processInfo.environment["PATH"] ?? "") -> String {
        let running = URL(fileURLWithPath: ShareDirectory.currentExecutable()).resolvingSymlinksInPath().path
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("waka-diag")
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else { continue }
            return candidate.resolvingSymlinksInPath().path == running ? "waka-diag" : running
        }
        return running
    }

    private static func row(_ name: String, _ status: String, _ time: String, _ files: String) -> String {
        name.padding(toLength: 22, withPad: " ", startingAt: 0) + " " + status.padding(toLength: 17, withPad: " ", startingAt: 0)
            + time.leftPadded(9) + files.leftPadded(7)
    }

    private static func label(_ text: String) -> String {
        text.padding(toLength: 11, withPad: " ", startingAt: 0)
    }

    /// Returns the public key beside the signing key (`signing.key` → `signing.pub`) when it
    /// exists, and `KEY.pub` otherwise.
    static func publicKeyHint(_ secretKey: URL) -> String {
        let candidate = secretKey.deletingPathExtension().appendingPathExtension("pub")
        return FileManager.default.fileExists(atPath: candidate.path) ? candidate.path : "KEY.pub"
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
