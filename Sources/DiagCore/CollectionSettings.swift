import DiagCollect
import DiagSupport
import Foundation

/// Everything `collect` needs, resolved and checked before any source is contacted.
public struct CollectionSettings: Sendable {
    public var mode: DeploymentMode
    public var region: String
    public var site: String
    public var window: CollectionWindow
    /// The collection time written into the bundle: file mtimes, the manifest and the bundle name.
    public var now: Date
    /// age recipients (`age1…`) to encrypt the sealed bundle to; empty for no encryption.
    public var encryptTo: [String] = []
    /// The request idle timeout for HTTP sources, in seconds.
    public var requestTimeout: Double = 30
    /// The most bytes the bundle's files may take, uncompressed, before lower-priority documents
    /// are cut (see `SizeBudget`); nil for no budget.
    public var sizeBudgetBytes: Int?
    /// Whose data the bundle may hold: one SaaS tenant, or all tenants aggregated.
    public var tenantScope: TenantScope = .aggregated
    /// The profile file the settings started from, if any; recorded by name only.
    public var profileName: String?
    /// Whether `now` was fixed by the operator (`--now`); source durations are then written as 0,
    /// so that the same inputs and keys give byte-identical bundles.
    public var clockIsFixed = false
    /// Every server to collect from, per component, each endpoint one replica.
    public var endpoints: [ProfileComponent: [ProfileEndpoint]]
    public var configPaths: [URL]
    public var logGlobs: [String]
    /// LogQL stream selectors whose error lines are counted in Loki; empty for the collector's default.
    public var lokiSelectors: [String] = []
    /// The profile's sharing policy, recorded in the manifest; nil without a profile.
    public var sharing: SharingPolicy?
    public var rulesPath: URL
    public var extraRulesPaths: [URL]
    public var queriesPath: URL
    public var signingKeyPath: URL
    public var pseudonymKeyPath: URL?
    /// The local pseudonym map. `collect` reads it before redacting and adds to it afterwards,
    /// but only when a site key is used (`pseudonymKeyPath` is not nil).
    public var pseudonymMapPath: URL?
    /// Whether `--allowlist-mode` turns allowlist mode on, whatever the merged rulesets set.
    /// False leaves the mode as the rulesets set it.
    public var allowlistMode = false
    public var outputFolder: URL
    /// Time allowed for each source, in seconds.
    public var sourceTimeout: Double
    /// Time allowed for the whole collection, in seconds; sources still running then are recorded as timed out.
    public var overallTimeout: Double

    public init(
        mode: DeploymentMode, region: String, site: String, window: CollectionWindow, now: Date,
        prometheusURLs: [URL], alertmanagerURLs: [URL], configPaths: [URL], logGlobs: [String], rulesPath: URL,
        extraRulesPaths: [URL], queriesPath: URL, signingKeyPath: URL, pseudonymKeyPath: URL?,
        pseudonymMapPath: URL?, outputFolder: URL, sourceTimeout: Double, overallTimeout: Double
    ) {
        self.mode = mode
        self.region = region
        self.site = site
        self.window = window
        self.now = now
        self.endpoints = [:]
        if !prometheusURLs.isEmpty {
            endpoints[.prometheus] = prometheusURLs.enumerated().map { ProfileEndpoint(url: $1, replica: $0 + 1) }
        }
        if !alertmanagerURLs.isEmpty {
            endpoints[.alertmanager] = alertmanagerURLs.enumerated().map { ProfileEndpoint(url: $1, replica: $0 + 1) }
        }
        self.configPaths = configPaths
        self.logGlobs = logGlobs
        self.rulesPath = rulesPath
        self.extraRulesPaths = extraRulesPaths
        self.queriesPath = queriesPath
        self.signingKeyPath = signingKeyPath
        self.pseudonymKeyPath = pseudonymKeyPath
        self.pseudonymMapPath = pseudonymMapPath
        self.outputFolder = outputFolder
        self.sourceTimeout = sourceTimeout
        self.overallTimeout = overallTimeout
    }

    /// The bundle's base name: `waka-diag-<site>-<UTC time>`.
    public var bundleName: String { "waka-diag-\(site)-\(Timestamp.compact(now))" }

    /// Checks a site or region name: letters, digits, `.`, `_` and `-`, at most 63 characters,
    /// because it becomes part of file names.
    public static func validateName(_ value: String, option: String) throws {
        guard NameSyntax.isValid(value) else {
            throw DiagError.usage("invalid value '\(value)' for \(option): \(NameSyntax.rule)")
        }
    }

    /// Checks a source URL: http or https with a host, no query or fragment.
    public static func validateSourceURL(_ text: String, option: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else {
            throw DiagError.usage(
                "invalid URL '\(SourceURLText.withoutCredentials(text))' for \(option): use http://HOST:PORT or https://HOST:PORT, optionally with a path prefix")
        }
        return url
    }
}

/// Removes user info from URL text before it is printed or stored.
public enum SourceURLText {
    public static func withoutCredentials(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.user != nil || components.password != nil else {
            return text
        }
        components.user = nil
        components.password = nil
        return components.string ?? "<url>"
    }
}
