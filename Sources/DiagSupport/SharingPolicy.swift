import Foundation

/// The `sharing` section of a profile: whether self-hosted bundles may leave the site, which
/// regions bundles may come from and go to, and the known destinations with their regions.
///
/// Sharing is opt-in: a missing section means sharing is disabled and no region is allowed, so
/// every upload is rejected until the operator writes the policy down. The profile loader
/// (`CollectionProfile`) and `upload` both read the section through `parse(_:source:)`, with
/// the rules of `Schemas/sharing-policy.schema.json`.
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

    /// Reads only the `sharing` section of the profile at `url`, so `upload` works with a
    /// profile whose endpoints and secret files belong to another machine. A profile without
    /// the section, or with an empty one, gives the default, disabled policy.
    public static func load(profileAt url: URL) throws -> SharingPolicy {
        let data = try FileSafety.read(url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagError.data("cannot read profile \(url.path): it is not valid UTF-8; save it as UTF-8 text")
        }
        let document: JSONValue
        do {
            document = try YAMLDocument.parse(text).jsonValue()
        } catch {
            throw DiagError.data("invalid profile \(url.path): \(error.operatorMessage)")
        }
        guard case .object(let members) = document else {
            throw DiagError.data("invalid profile \(url.path): the top level must be a mapping of settings")
        }
        guard let sharing = members["sharing"], sharing != .null else { return SharingPolicy() }
        return try parse(sharing, source: url.path)
    }

    /// Checks and converts a `sharing` value. Errors are configuration errors of the form
    /// `profile SOURCE: sharing.KEY: problem`, as the profile loader writes them.
    public static func parse(_ value: JSONValue, source: String) throws -> SharingPolicy {
        func fail(_ key: String, _ problem: String) -> DiagError {
            DiagError.configuration("profile \(source): \(key): \(problem)")
        }
        func requiredText(_ value: JSONValue?, at key: String) throws -> String {
            guard let value, value != .null else { throw fail(key, "is missing") }
            guard let text = value.stringValue, !text.isEmpty else { throw fail(key, "must be non-empty text") }
            return text
        }
        func region(_ value: JSONValue?, at key: String) throws -> String {
            let text = try requiredText(value, at: key)
            guard NameSyntax.isValid(text) else { throw fail(key, "invalid name '\(text)': \(NameSyntax.rule)") }
            return text
        }
        func rejectUnknown(_ members: [String: JSONValue], allowed: [String], at key: String) throws {
            guard let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) else { return }
            throw fail("\(key).\(unknown)", "unknown key; allowed here: \(allowed.joined(separator: ", "))")
        }

        guard let members = value.objectValue else { throw fail("sharing", "must be a mapping") }
        try rejectUnknown(members, allowed: ["enabled", "allowed_regions", "destinations"], at: "sharing")

        var policy = SharingPolicy()
        if let enabled = members["enabled"] {
            guard let flag = enabled.boolValue else { throw fail("sharing.enabled", "must be true or false") }
            policy.enabled = flag
        }
        if let regions = members["allowed_regions"] {
            guard let items = regions.arrayValue else { throw fail("sharing.allowed_regions", "must be a list") }
            for (index, item) in items.enumerated() {
                let key = "sharing.allowed_regions[\(index)]"
                let name = try region(item, at: key)
                guard !policy.allowedRegions.contains(name) else { throw fail(key, "'\(name)' is listed twice") }
                policy.allowedRegions.append(name)
            }
        }
        if let destinations = members["destinations"] {
            guard let items = destinations.arrayValue else { throw fail("sharing.destinations", "must be a list") }
            for (index, item) in items.enumerated() {
                let key = "sharing.destinations[\(index)]"
                guard let fields = item.objectValue else { throw fail(key, "must be a mapping") }
                try rejectUnknown(fields, allowed: ["name", "url", "region"], at: key)
                let url = try requiredText(fields["url"], at: "\(key).url")
                guard isAllowedDestination(url) else {
                    throw fail("\(key).url", "'\(withoutUserInfo(url))' must be https, or plain http only to a loopback address")
                }
                let name = try fields["name"].map { try requiredText($0, at: "\(key).name") }
                policy.destinations.append(Destination(name: name, url: url, region: try region(fields["region"], at: "\(key).region")))
            }
        }
        return policy
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

    /// Returns true for an https URL, or a plain http one whose host is loopback (the pattern
    /// of the schema's `url`).
    static func isAllowedDestination(_ url: String) -> Bool {
        if url.hasPrefix("https://") { return true }
        return url.range(of: #"^http://(localhost|127\.[0-9.]+|\[::1\])([:/]|$)"#, options: .regularExpression) != nil
    }

    /// Returns URL text without user info, so a password in a URL never reaches a message.
    static func withoutUserInfo(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.user != nil || components.password != nil else {
            return text
        }
        components.user = nil
        components.password = nil
        return components.string ?? "<url>"
    }
}
