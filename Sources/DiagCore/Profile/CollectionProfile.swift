import DiagCollect
import DiagSupport
import Foundation

/// A site's collection settings, read from a YAML profile (`Schemas/profile.schema.json`):
/// deployment mode, region and site, the endpoints of each component with their replicas,
/// credentials by reference, the time window, log selectors, size budget, sharing policy and
/// timeouts.
///
/// `load(url:)` checks everything before any source is contacted. Secrets are never in the
/// profile: a token or password is named by file or environment variable and read by
/// `ProfileEndpoint.clientConfiguration`.
public struct CollectionProfile: Sendable, Equatable {
    /// The profile file, named in every error about it.
    public var source: URL
    public var mode: DeploymentMode
    public var region: String
    public var site: String
    /// The one tenant a SaaS collection is scoped to, or nil for an aggregated collection.
    public var tenant: String?
    public var window: ProfileWindow
    /// The query set file, or nil for the default one shipped with waka-diag.
    public var queriesPath: URL?
    /// Endpoints per component, each list containing the replicas of that component in order.
    public var endpoints: [ProfileComponent: [ProfileEndpoint]]
    public var logs: ProfileLogs
    /// Local configuration files and folders to collect.
    public var configPaths: [URL]
    /// The largest bundle wanted, in bytes, or nil for no budget.
    public var sizeBudgetBytes: Int?
    public var sharing: SharingPolicy
    public var timeouts: ProfileTimeouts

    public init(
        source: URL, mode: DeploymentMode, region: String, site: String, window: ProfileWindow = .since(86400),
        queriesPath: URL? = nil, endpoints: [ProfileComponent: [ProfileEndpoint]] = [:], logs: ProfileLogs = ProfileLogs(),
        configPaths: [URL] = [], sizeBudgetBytes: Int? = nil, sharing: SharingPolicy = SharingPolicy(),
        timeouts: ProfileTimeouts = ProfileTimeouts()
    ) {
        self.source = source
        self.mode = mode
        self.region = region
        self.site = site
        self.window = window
        self.queriesPath = queriesPath
        self.endpoints = endpoints
        self.logs = logs
        self.configPaths = configPaths
        self.sizeBudgetBytes = sizeBudgetBytes
        self.sharing = sharing
        self.timeouts = timeouts
    }

    /// Returns the replicas of `component`, empty when the profile lists none.
    public func replicas(of component: ProfileComponent) -> [ProfileEndpoint] {
        endpoints[component] ?? []
    }
}

/// A component of the observability stack that a profile can list endpoints for.
public enum ProfileComponent: String, Sendable, CaseIterable, Comparable {
    case prometheus
    case alertmanager
    case loki
    case jaeger
    case grafana

    public static func < (lhs: ProfileComponent, rhs: ProfileComponent) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The time range collected: a duration back from the collection time, or fixed bounds.
public enum ProfileWindow: Sendable, Equatable {
    /// Seconds before the collection time.
    case since(Double)
    case range(from: Date, to: Date)

    /// Returns the window for a collection made at `now`.
    public func resolve(now: Date) -> CollectionWindow {
        switch self {
        case .since(let seconds): return CollectionWindow(start: now - seconds, end: now)
        case .range(let from, let to): return CollectionWindow(start: from, end: to)
        }
    }
}

/// One replica of one component: where it is and how to authenticate to it.
public struct ProfileEndpoint: Sendable, Equatable {
    public var url: URL
    /// The 1-based position in the component's list; replica 1 keeps the plain document paths.
    public var replica: Int
    public var authentication: SourceAuthentication
    public var tls: TLSFiles
    /// The Loki tenant sent as `X-Scope-OrgID`.
    public var orgID: String?

    public init(url: URL, replica: Int = 1, authentication: SourceAuthentication = .none, tls: TLSFiles = TLSFiles(), orgID: String? = nil) {
        self.url = url
        self.replica = replica
        self.authentication = authentication
        self.tls = tls
        self.orgID = orgID
    }

    /// Reads the endpoint's secret and returns the HTTP client configuration for it.
    ///
    /// Throws when the secret file or variable is missing or empty, naming it, so the run stops
    /// before any source is contacted.
    public func clientConfiguration(
        requestTimeout: TimeInterval, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> HTTPClientConfiguration {
        let (credentials, origin) = try authentication.resolve(environment: environment)
        return HTTPClientConfiguration(
            requestTimeout: requestTimeout, credentials: credentials, credentialOrigin: origin, tls: tls)
    }
}

/// The log sources: Loki stream selectors and local file globs.
public struct ProfileLogs: Sendable, Equatable {
    /// LogQL stream selectors such as `{app="checkout"}`.
    public var lokiSelectors: [String]
    public var globs: [String]

    public init(lokiSelectors: [String] = [], globs: [String] = []) {
        self.lokiSelectors = lokiSelectors
        self.globs = globs
    }
}

/// Time limits in seconds; nil leaves the command's default.
public struct ProfileTimeouts: Sendable, Equatable {
    /// Time allowed for each source.
    public var source: Double?
    /// Time allowed for the whole collection.
    public var overall: Double?
    /// Time a request may go without receiving data.
    public var request: Double?

    public init(source: Double? = nil, overall: Double? = nil, request: Double? = nil) {
        self.source = source
        self.overall = overall
        self.request = request
    }
}
