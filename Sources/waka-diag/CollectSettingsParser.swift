import DiagCollect
import DiagCore
import DiagSupport
import Foundation

/// Turns `collect`'s options, `WAKA_DIAG_*` variables, the `--profile` file and defaults into
/// checked settings. Options win over variables, which win over the profile, which wins over
/// defaults; a source option (`--prometheus` and the like) replaces that component's endpoints
/// from the profile.
enum CollectSettingsParser {
    static func parse(
        _ arguments: Arguments, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> CollectionSettings {
        func setting(_ option: String) -> String? {
            if let value = arguments.value(option) { return value }
            let variable = "WAKA_DIAG_" + option.uppercased().replacingOccurrences(of: "-", with: "_")
            return environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }

        let profile = try setting("profile").map { try CollectionProfile.load(url: URL(fileURLWithPath: $0)) }
        let mode = try DeploymentMode.parse(setting("mode") ?? profile?.mode.rawValue ?? DeploymentMode.selfHosted.rawValue)
        guard let region = setting("region") ?? profile?.region else {
            throw DiagError.usage(
                "'collect' needs --region NAME (or WAKA_DIAG_REGION): every bundle records the region its data comes from")
        }
        try CollectionSettings.validateName(region, option: "--region")
        let site = setting("site") ?? profile?.site ?? "site"
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
        let window: CollectionWindow
        if let profile, setting("since") == nil, setting("from") == nil, setting("to") == nil {
            window = profile.window.resolve(now: now)
        } else {
            window = try parseWindow(arguments, setting: setting, now: now)
        }

        var endpoints = profile?.endpoints ?? [:]
        for component in ProfileComponent.allCases {
            let option = component.rawValue
            let urls = try arguments.all(option).map { try CollectionSettings.validateSourceURL($0, option: "--\(option)") }
            if !urls.isEmpty {
                endpoints[component] = urls.enumerated().map { ProfileEndpoint(url: $1, replica: $0 + 1) }
            }
        }
        let configPaths = arguments.all("config").map { URL(fileURLWithPath: $0) } + (profile?.configPaths ?? [])
        let logGlobs = arguments.all("logs") + (profile?.logs.globs ?? [])
        guard endpoints.values.contains(where: { !$0.isEmpty }) || !configPaths.isEmpty || !logGlobs.isEmpty else {
            throw DiagError.usage(
                "'collect' needs at least one source: --prometheus, --alertmanager, --loki, --grafana or --jaeger URL, --config PATH, --logs GLOB, or a --profile that lists endpoints")
        }

        let dataFolder = FileSafety.userDataFolder(environment: environment)
        let share = ShareDirectory.locate(environment: environment)
        func shipped(_ relative: String, option: String) throws -> URL {
            if let value = setting(option) { return URL(fileURLWithPath: value) }
            if option == "queries", let path = profile?.queriesPath { return path }
            guard let share else {
                throw DiagError.configuration(
                    "cannot find waka-diag's \(relative); pass --\(option) PATH or set WAKA_DIAG_HOME to the waka-diag checkout")
            }
            return share.appendingPathComponent(relative)
        }

        let sourceTimeout = try setting("timeout").map { try DurationText.seconds($0, option: "--timeout") }
            ?? profile?.timeouts.source ?? 30
        let overallTimeout = try setting("deadline").map { try DurationText.seconds($0, option: "--deadline") }
            ?? profile?.timeouts.overall ?? 120
        let fresh = arguments.has("fresh-pseudonyms")

        var settings = CollectionSettings(
            mode: mode, region: region, site: site, window: window, now: now, prometheusURLs: [],
            alertmanagerURLs: [], configPaths: configPaths, logGlobs: logGlobs,
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
        settings.endpoints = endpoints
        settings.lokiSelectors = profile?.logs.lokiSelectors ?? []
        settings.sharing = profile?.sharing
        settings.encryptTo = arguments.all("encrypt-to")
        for recipient in settings.encryptTo where !recipient.hasPrefix("age1") {
            throw DiagError.usage("invalid age recipient '\(recipient)' for --encrypt-to: expected a public key starting with age1 (see age-keygen -y)")
        }
        settings.clockIsFixed = setting("now") != nil
        settings.requestTimeout = min(profile?.timeouts.request ?? sourceTimeout, sourceTimeout)
        settings.sizeBudgetBytes = try setting("size-budget").map { try ByteCount.parse($0, option: "--size-budget") }
            ?? profile?.sizeBudgetBytes
        if let tenant = setting("tenant") {
            settings.tenantScope = try TenantScope.resolve(tenant: tenant, mode: mode, option: "--tenant")
        } else {
            settings.tenantScope = try TenantScope.resolve(tenant: profile?.tenant, mode: mode, option: "the profile's tenant")
        }
        settings.profileName = profile?.source.lastPathComponent
        settings.allowlistMode = arguments.has("allowlist-mode")
        return settings
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
        guard let fromText = from else {
            throw DiagError.usage("--to '\(to ?? "")' needs --from, the start of the window, e.g. --from 2026-12-04T08:00:00Z; or use --since 2h")
        }
        guard let start = Timestamp.parse(fromText) else {
            throw DiagError.usage("invalid --from '\(fromText)': use RFC 3339, e.g. 2026-12-04T08:00:00Z")
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
            let bound = to == nil ? "now (\(Timestamp.format(end)), the default --to)" : "--to \(Timestamp.format(end))"
            throw DiagError.usage("invalid window: --from \(Timestamp.format(start)) is not before \(bound)")
        }
        guard start < now else {
            throw DiagError.usage(
                "invalid window: --from \(Timestamp.format(start)) is after the collection time \(Timestamp.format(now)), so no source has data for it; give a --from in the past")
        }
        return CollectionWindow(start: start, end: end)
    }
}
