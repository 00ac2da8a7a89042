import DiagCollect
import DiagCore
import DiagSupport
import Foundation

/// Turns `collect`'s options, `WAKA_DIAG_*` variables and defaults into checked settings.
/// Options win over variables, which win over defaults.
enum CollectSettingsParser {
    static func parse(
        _ arguments: Arguments, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> CollectionSettings {
        func setting(_ option: String) -> String? {
            if let value = arguments.value(option) { return value }
            let variable = "WAKA_DIAG_" + option.uppercased().replacingOccurrences(of: "-", with: "_")
            return environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }

        let mode = try DeploymentMode.parse(setting("mode") ?? DeploymentMode.selfHosted.rawValue)
        guard let region = setting("region") else {
            throw DiagError.usage(
                "'collect' needs --region NAME (or WAKA_DIAG_REGION): every bundle records the region its data comes from")
        }
        try CollectionSettings.validateName(region, option: "--region")
        let site = setting("site") ?? "site"
        try CollectionSettings.validateName(site, option: "--site")

        let now: Date
        if let text = setting("now") {
            guard let date = Timestamp.parse(text) else {
                throw DiagError.usage("invalid time '\(text)' for --now: use RFC 3339, e.g. 2026-12-04T20:00:00Z")
            }
            now = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        } else {
            now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        }
        let window = try parseWindow(arguments, setting: setting, now: now)

        let prometheus = try arguments.all("prometheus").map {
            try CollectionSettings.validateSourceURL($0, option: "--prometheus")
        }
        let alertmanager = try arguments.all("alertmanager").map {
            try CollectionSettings.validateSourceURL($0, option: "--alertmanager")
        }
        let configPaths = arguments.all("config").map { URL(fileURLWithPath: $0) }
        let logGlobs = arguments.all("logs")
        guard !prometheus.isEmpty || !alertmanager.isEmpty || !configPaths.isEmpty || !logGlobs.isEmpty else {
            throw DiagError.usage(
                "'collect' needs at least one source: --prometheus URL, --alertmanager URL, --config PATH or --logs GLOB")
        }

        let dataFolder = FileSafety.userDataFolder(environment: environment)
        let share = ShareDirectory.locate(environment: environment)
        func shipped(_ relative: String, option: String) throws -> URL {
            if let value = setting(option) { return URL(fileURLWithPath: value) }
            guard let share else {
                throw DiagError.configuration(
                    "cannot find waka-diag's \(relative); pass --\(option) PATH or set WAKA_DIAG_HOME to the waka-diag checkout")
            }
            return share.appendingPathComponent(relative)
        }

        let sourceTimeout = try DurationText.seconds(setting("timeout") ?? "30s", option: "--timeout")
        let overallTimeout = try DurationText.seconds(setting("deadline") ?? "2m", option: "--deadline")
        let fresh = arguments.has("fresh-pseudonyms")

        return CollectionSettings(
            mode: mode, region: region, site: site, window: window, now: now, prometheusURLs: prometheus,
            alertmanagerURLs: alertmanager, configPaths: configPaths, logGlobs: logGlobs,
            rulesPath: try shipped("Redaction/default.yaml", option: "rules"),
            extraRulesPaths: arguments.all("extra-rules").map { URL(fileURLWithPath: $0) },
            queriesPath: try shipped("Queries/default.yaml", option: "queries"),
            signingKeyPath: URL(fileURLWithPath: setting("secret-key") ?? dataFolder.appendingPathComponent("signing.key").path),
            pseudonymKeyPath: fresh
                ? nil : URL(fileURLWithPath: setting("pseudonym-key") ?? dataFolder.appendingPathComponent("pseudonym.key").path),
            pseudonymMapPath: URL(
                fileURLWithPath: setting("pseudonym-map") ?? dataFolder.appendingPathComponent("pseudonyms.json").path),
            outputFolder: URL(fileURLWithPath: setting("out") ?? "waka-diag-bundles"),
            sourceTimeout: sourceTimeout, overallTimeout: overallTimeout)
    }

    static func parseWindow(_ arguments: Arguments, setting: (String) -> String?, now: Date) throws -> CollectionWindow {
        let from = setting("from")
        let to = setting("to")
        if from == nil && to == nil {
            let since = try DurationText.seconds(setting("since") ?? "1h", option: "--since")
            return CollectionWindow(start: now.addingTimeInterval(-since), end: now)
        }
        guard arguments.value("since") == nil else {
            throw DiagError.usage("give either --since or --from/--to, not both")
        }
        guard let fromText = from, let start = Timestamp.parse(fromText) else {
            throw DiagError.usage("invalid or missing --from '\(from ?? "")': use RFC 3339, e.g. 2026-12-04T08:00:00Z")
        }
        let end: Date
        if let toText = to {
            guard let parsed = Timestamp.parse(toText) else {
                throw DiagError.usage("invalid --to '\(toText)': use RFC 3339, e.g. 2026-12-04T09:00:00Z")
            }
            end = parsed
        } else {
            end = now
        }
        guard start < end else {
            throw DiagError.usage(
                "invalid window: --from \(Timestamp.format(start)) is not before --to \(Timestamp.format(end))")
        }
        return CollectionWindow(start: start, end: end)
    }
}
