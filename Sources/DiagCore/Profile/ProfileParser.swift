import DiagCollect
import DiagSupport
import Foundation

/// Checks a parsed profile against the rules of `Schemas/profile.schema.json` and builds the
/// model. Every error names the profile and the key path at fault, such as
/// `profile /etc/waka/site.yaml: endpoints.prometheus[1].url: invalid URL 'x'`.
struct ProfileParser {
    /// The profile path as named in errors.
    let source: String
    /// The folder relative file paths in the profile are resolved against.
    let folder: URL

    static let topLevelKeys = [
        "version", "mode", "region", "site", "tenant", "window", "queries", "endpoints", "logs", "config_files", "size_budget",
        "sharing", "timeouts",
    ]

    func fail(_ path: String, _ problem: String) -> DiagError {
        DiagError.configuration("profile \(source): \(path): \(problem)")
    }

    func parse(_ root: JSONValue) throws -> CollectionProfile {
        guard let members = root.objectValue else { throw fail("(top level)", "must be a mapping of settings") }
        try rejectUnknown(members, allowed: Self.topLevelKeys, at: "")

        guard members["version"] == .int(1) else {
            throw fail("version", members["version"] == nil ? "is missing; add 'version: 1'" : "must be 1")
        }
        let modeText = try requiredString(members["mode"], at: "mode")
        guard let mode = DeploymentMode(rawValue: modeText) else {
            throw fail("mode", "invalid deployment mode '\(modeText)': use one of saas, partner, self-hosted")
        }
        let region = try name(members["region"], at: "region")
        let site = try name(members["site"], at: "site")

        var profile = CollectionProfile(source: URL(fileURLWithPath: source), mode: mode, region: region, site: site)
        if let tenant = members["tenant"], tenant != .null {
            let identifier = try requiredString(tenant, at: "tenant")
            do {
                try TenantScope.validateIdentifier(identifier, option: "tenant")
            } catch {
                throw fail("tenant", "invalid tenant identifier '\(identifier)': use 1 to 128 letters, digits, '.', '_', '-' or ':'")
            }
            guard mode == .saas else {
                throw fail("tenant", "is only allowed with mode: saas; partner and self-hosted collections are aggregated across tenants")
            }
            profile.tenant = identifier
        }
        if let window = members["window"] { profile.window = try parseWindow(window) }
        if let queries = members["queries"] { profile.queriesPath = try path(queries, at: "queries") }
        if let endpoints = members["endpoints"] { profile.endpoints = try parseEndpoints(endpoints) }
        if let logs = members["logs"] { profile.logs = try parseLogs(logs) }
        if let files = members["config_files"] {
            profile.configPaths = try list(files, at: "config_files").enumerated().map { index, item in
                try path(item, at: "config_files[\(index)]")
            }
        }
        if let budget = members["size_budget"] { profile.sizeBudgetBytes = try byteCount(budget, at: "size_budget") }
        if let sharing = members["sharing"] { profile.sharing = try SharingPolicy.parse(sharing, source: source) }
        if let timeouts = members["timeouts"] { profile.timeouts = try parseTimeouts(timeouts) }
        return profile
    }

    // MARK: Sections

    private func parseWindow(_ value: JSONValue) throws -> ProfileWindow {
        let members = try mapping(value, at: "window")
        try rejectUnknown(members, allowed: ["since", "from", "to"], at: "window")
        if let since = members["since"] {
            guard members["from"] == nil, members["to"] == nil else {
                throw fail("window", "give either since or from and to, not both")
            }
            return .since(try duration(since, at: "window.since"))
        }
        guard let fromValue = members["from"], let toValue = members["to"] else {
            throw fail("window", "give since (such as 24h) or both from and to (RFC 3339 times)")
        }
        let from = try time(fromValue, at: "window.from")
        let to = try time(toValue, at: "window.to")
        guard from < to else { throw fail("window.to", "must be later than window.from") }
        return .range(from: from, to: to)
    }

    private func parseLogs(_ value: JSONValue) throws -> ProfileLogs {
        let members = try mapping(value, at: "logs")
        try rejectUnknown(members, allowed: ["selectors", "globs"], at: "logs")
        var logs = ProfileLogs()
        if let selectors = members["selectors"] {
            logs.lokiSelectors = try list(selectors, at: "logs.selectors").enumerated().map { index, item in
                let key = "logs.selectors[\(index)]"
                let text = try requiredString(item, at: key).trimmingCharacters(in: .whitespaces)
                guard text.hasPrefix("{"), text.hasSuffix("}"), text.count > 2 else {
                    throw fail(key, "'\(text)' is not a Loki stream selector; write it like {app=\"checkout\"}")
                }
                return text
            }
        }
        if let globs = members["globs"] {
            logs.globs = try list(globs, at: "logs.globs").enumerated().map { index, item in
                let text = try requiredString(item, at: "logs.globs[\(index)]")
                return text.hasPrefix("/") ? text : folder.appendingPathComponent(text).path
            }
        }
        return logs
    }

    private func parseTimeouts(_ value: JSONValue) throws -> ProfileTimeouts {
        let members = try mapping(value, at: "timeouts")
        try rejectUnknown(members, allowed: ["source", "overall", "request"], at: "timeouts")
        return ProfileTimeouts(
            source: try members["source"].map { try duration($0, at: "timeouts.source") },
            overall: try members["overall"].map { try duration($0, at: "timeouts.overall") },
            request: try members["request"].map { try duration($0, at: "timeouts.request") })
    }
}
