import DiagSupport
import Foundation

/// The commented starter profile that `waka-diag init` writes. Every example URL is a loopback
/// address, so the file works as written against a local test stack and nothing else.
public enum ProfileTemplate {
    /// Returns the starter profile text for `mode`.
    public static func text(mode: DeploymentMode) -> String {
        let sharingNote: String
        switch mode {
        case .selfHosted:
            sharingNote = """
                # Sharing is opt-in. A self-hosted bundle never leaves the site unless enabled is true; even
                # then 'waka-diag upload' asks for approval and checks that the bundle's region and the
                # destination's region are both in allowed_regions.
                """
        case .saas, .partner:
            sharingNote = """
                # Sharing: 'waka-diag upload' asks for approval and refuses a destination whose region, or
                # this site's region, is missing from allowed_regions. enabled matters for self-hosted sites.
                """
        }
        return """
            # waka-diag collection profile, format version 1 (Schemas/profile.schema.json).
            # Check it without contacting anything: waka-diag collect --profile THIS_FILE --dry-run
            # Secrets never go in this file: give a token or password as a file (..._file) or an
            # environment variable (..._env). waka-diag rejects a profile with an inline secret.
            # Relative paths are resolved from the folder of this file.
            version: 1

            # How the platform is deployed here: saas, partner or self-hosted. It decides what may leave.
            mode: \(mode.rawValue)

            # Region and site: 1 to 63 letters, digits, '.', '_' or '-'. Both name the bundle.
            region: local
            site: site-1

            # Time range collected: 'since' counts back from the collection time (30m, 24h, 7d), or give
            # fixed 'from' and 'to' times in RFC 3339, such as 2026-12-04T08:00:00Z. Without a
            # profile, collect takes 1h; a site's standing profile usually wants the last day.
            window:
              since: 24h

            # PromQL queries summarized as aggregates. Leave it out to use the set shipped with waka-diag.
            # queries: queries.yaml

            # Endpoints of each component. List every replica (an HA pair, three Loki replicas) as its own
            # entry: each is collected, and versions and configurations are compared between replicas.
            endpoints:
              prometheus:
                - url: http://127.0.0.1:9090
                  # auth:                                 # one of bearer_token_file, bearer_token_env, basic
                  #   basic:
                  #     username: waka-diag
                  #     password_file: prometheus.pass    # or password_env: WAKA_DIAG_PROMETHEUS_PASSWORD
                  # ca_file: ca.pem                       # https only: the CA that signed the server certificate
                  # client_cert_file: client.pem          # https only: client certificate and key, together
                  # client_key_file: client.key
                # - url: http://127.0.0.1:9091            # the second Prometheus of an HA pair
              alertmanager:
                - url: http://127.0.0.1:9093
              # loki:
              #   - url: http://127.0.0.1:3100
              #     org_id: tenant-a                      # sent as X-Scope-OrgID (Loki with auth_enabled: true)
              # jaeger:
              #   - url: http://127.0.0.1:16686
              # grafana:
              #   - url: http://127.0.0.1:3000
              #     auth:
              #       bearer_token_env: WAKA_DIAG_GRAFANA_TOKEN   # a service account token, or bearer_token_file

            # Logs: Loki stream selectors such as '{app="checkout"}', and local log files as glob patterns.
            # Logs leave only as error counts by anonymized error type.
            logs:
              selectors: []
              globs: []

            # Local configuration files and folders, collected after redaction.
            config_files: []

            # The largest bundle wanted, such as 50MiB.
            size_budget: 50MiB

            \(sharingNote)
            sharing:
              enabled: false
              allowed_regions: [local]
              destinations: []
              # destinations:
              #   - name: support
              #     url: https://127.0.0.1:8443           # https, or plain http only to a loopback address
              #     region: local

            # Time limits: per source, for the whole collection, and per request without data. They are
            # wider than the flags' defaults (30s per source, 2m in all) because a day of history takes
            # longer to read.
            timeouts:
              source: 2m
              overall: 10m
              request: 30s

            """
    }

    /// Writes the starter profile for `mode` to `url` (mode 0644), never over an existing file.
    public static func write(mode: DeploymentMode, to url: URL) throws {
        do {
            try SecureFiles.writeFile(Array(text(mode: mode).utf8), to: url, mode: 0o644, replaceExisting: false)
        } catch SecureFileError.exists {
            throw DiagError(
                .cannotCreate, "cannot write profile \(url.path): the file already exists; choose another --out path or remove the file first")
        }
    }
}
