import DiagSupport

/// The way the WebWaka platform is deployed at the site being diagnosed.
///
/// The mode decides what may leave the site: in every mode metrics leave only as aggregates, and
/// in `selfHosted` nothing is transmitted unless the operator explicitly enables sharing.
public enum DeploymentMode: String, Sendable, CaseIterable {
    /// WebWaka operates one multi-tenant stack; the `tenant_id` label identifies each tenant.
    case saas
    /// A partner runs the platform under its own brand, on its own infrastructure.
    case partner
    /// An enterprise client runs the platform for data residency; nothing is shared by default.
    case selfHosted = "self-hosted"

    /// Parses a `--mode` value, or throws a usage error listing the accepted values.
    public static func parse(_ text: String) throws -> DeploymentMode {
        guard let mode = DeploymentMode(rawValue: text) else {
            throw DiagError.usage(
                "invalid deployment mode '\(text)' for --mode: use one of saas, partner, self-hosted")
        }
        return mode
    }
}
