import DiagSupport
import Foundation

/// Whose data a collection may keep.
///
/// A SaaS collection for one tenant (`--tenant ID`) asks every source for that tenant only and
/// drops anything that still names another tenant. Every other collection is aggregated: metrics
/// and alert history leave the site without per-tenant series or label values.
public enum TenantScope: Sendable, Equatable {
    /// Data of all tenants together, with no per-tenant series or label value.
    case aggregated
    /// Data of the one tenant with this identifier.
    case tenant(String)

    /// The label that carries the tenant on series and alerts, and that scoped queries match on.
    public static let matcherLabel = "tenant_id"

    /// Label and key names, lower case, whose values identify a tenant. Their values are how the
    /// guard learns the identifiers of other tenants.
    public static let tenantLabels: Set<String> = ["tenant_id", "tenant", "tenantid", "tenant-id", "tenant_name"]

    /// Label names, lower case, whose values identify one tenant, user or customer. In an
    /// aggregated collection their values are removed from metric series and alert history.
    public static let perTenantLabels: Set<String> = tenantLabels.union(["user_id", "customer_id"])

    /// The longest tenant identifier accepted.
    public static let maximumIdentifierLength = 128

    /// The scoped tenant's identifier, or nil for an aggregated collection.
    public var tenant: String? {
        if case .tenant(let identifier) = self { return identifier }
        return nil
    }

    /// The value recorded in the manifest's settings: never the identifier itself.
    public var settingValue: String { tenant == nil ? "aggregated" : "one tenant" }

    /// Checks a `--tenant` value: letters, digits, `.`, `_`, `-` and `:`, at most 128 characters,
    /// because it is placed inside PromQL strings and Alertmanager filters.
    public static func validateIdentifier(_ value: String, option: String) throws {
        let allowed = value.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: ":")
        }
        guard !value.isEmpty, value.utf8.count <= maximumIdentifierLength, allowed else {
            throw DiagError.usage(
                "invalid tenant identifier '\(value)' for \(option): use 1 to \(maximumIdentifierLength) letters, digits, '.', '_', '-' or ':'"
            )
        }
    }

    /// Returns the scope for `tenant` in `mode`, rejecting a tenant outside SaaS mode: partner
    /// and self-hosted sites are collected aggregated only.
    public static func resolve(tenant: String?, mode: DeploymentMode, option: String) throws -> TenantScope {
        guard let tenant else { return .aggregated }
        try validateIdentifier(tenant, option: option)
        guard mode == .saas else {
            throw DiagError.usage(
                "\(option) is only allowed with --mode saas; a \(mode.rawValue) collection is always aggregated across tenants, so remove \(option)"
            )
        }
        return .tenant(tenant)
    }
}
