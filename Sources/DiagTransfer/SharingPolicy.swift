import DiagCore
import DiagSupport
import Foundation

/// The `sharing` section of a profile: whether self-hosted bundles may leave the site, which
/// regions bundles may come from and go to, and the known destinations with their regions.
///
/// Sharing is opt-in: a missing section means sharing is disabled and no region is allowed, so
/// every upload is refused until the operator writes the policy down.
/// Schemas/sharing-policy.schema.json describes the same shape.
public struct SharingPolicy: Sendable, Equatable {
    /// A receiver the operator has named, with the region its data is stored in.
    public struct Destination: Sendable, Equatable {
        public var name: String?
        public var url: String
        public var region: String

        public init(name: String? = nil, url: String, region: String) {
            self.name = name
            self.url = url
            self.region = region
        }
    }

    public var enabled: Bool
    public var allowedRegions: [String]
    public var destinations: [Destination]

    public init(enabled: Bool = false, allowedRegions: [String] = [], destinations: [Destination] = []) {
        self.enabled = enabled
        self.allowedRegions = allowedRegions
        self.destinations = destinations
    }

    /// Reads the `sharing` section of the profile at `url`; a profile without one gives the
    /// default, disabled policy.
    public static func load(profileAt url: URL) throws -> SharingPolicy {
        let data = try FileSafety.read(url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagError.data("cannot read profile \(url.path): it is not valid UTF-8")
        }
        let document: JSONValue
        do {
            document = try YAMLDocument.parse(text).jsonValue()
        } catch {
            throw DiagError.data("invalid profile \(url.path): \(error.operatorMessage)")
        }
        guard case .object(let members) = document else {
            throw DiagError.data("invalid profile \(url.path): the top level must be a mapping")
        }
        guard let sharing = members["sharing"], sharing != .null else { return SharingPolicy() }
        return try parse(sharing, source: url.path)
    }

    /// Checks and converts a `sharing` value; errors name the key at fault and `source`.
    public static func parse(_ value: JSONValue, source: String) throws -> SharingPolicy {
        func invalid(_ key: String, _ reason: String) -> DiagError {
            DiagError.configuration("invalid \(key) in profile \(source): \(reason)")
        }
        guard case .object(let members) = value else {
            throw invalid("sharing", "expected a mapping with enabled, allowed_regions and destinations")
        }
        for key in members.keys.sorted() where !["enabled", "allowed_regions", "destinations"].contains(key) {
            throw invalid("sharing.\(key)", "unknown key; use enabled, allowed_regions or destinations")
        }

        var policy = SharingPolicy()
        if let enabled = members["enabled"] {
            guard let flag = enabled.boolValue else { throw invalid("sharing.enabled", "expected true or false") }
            policy.enabled = flag
        }
        if let regions = members["allowed_regions"] {
            guard let items = regions.arrayValue else {
                throw invalid("sharing.allowed_regions", "expected a list of region names")
            }
            for item in items {
                guard let name = item.stringValue else {
                    throw invalid("sharing.allowed_regions", "every entry must be a region name in quotes or plain text")
                }
                try checkRegionName(name, key: "sharing.allowed_regions", source: source)
                guard !policy.allowedRegions.contains(name) else {
                    throw invalid("sharing.allowed_regions", "\(name) is listed twice")
                }
                policy.allowedRegions.append(name)
            }
        }
        if let destinations = members["destinations"] {
            guard let items = destinations.arrayValue else {
                throw invalid("sharing.destinations", "expected a list of {name, url, region} entries")
            }
            for (index, item) in items.enumerated() {
                policy.destinations.append(try parseDestination(item, key: "sharing.destinations[\(index)]", source: source))
            }
        }
        return policy
    }

    static func parseDestination(_ item: JSONValue, key: String, source: String) throws -> Destination {
        guard case .object(let fields) = item else {
            throw DiagError.configuration("invalid \(key) in profile \(source): expected a mapping with url and region")
        }
        for field in fields.keys.sorted() where !["name", "url", "region"].contains(field) {
            throw DiagError.configuration("invalid \(key).\(field) in profile \(source): unknown key; use name, url or region")
        }
        guard let url = fields["url"]?.stringValue, !url.isEmpty else {
            throw DiagError.configuration("invalid \(key) in profile \(source): url is missing")
        }
        guard let region = fields["region"]?.stringValue else {
            throw DiagError.configuration("invalid \(key) in profile \(source): region is missing")
        }
        try checkRegionName(region, key: "\(key).region", source: source)
        var name: String?
        if let value = fields["name"] {
            guard let text = value.stringValue, !text.isEmpty else {
                throw DiagError.configuration("invalid \(key).name in profile \(source): expected a non-empty name")
            }
            name = text
        }
        return Destination(name: name, url: url, region: region)
    }

    static func checkRegionName(_ name: String, key: String, source: String) throws {
        do {
            try CollectionSettings.validateName(name, option: key)
        } catch {
            throw DiagError.configuration("invalid region in profile \(source): \(error.operatorMessage)")
        }
    }

    /// Returns the destination whose URL or name matches `target`; URLs match without a trailing `/`.
    public func destination(matching target: String) -> Destination? {
        func normalized(_ text: String) -> String {
            var trimmed = text
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            return trimmed
        }
        return destinations.first { normalized($0.url) == normalized(target) || $0.name == target }
    }
}
