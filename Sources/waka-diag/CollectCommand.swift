import DiagCollect
import DiagCore
import DiagSupport
import Foundation

enum CollectCommand {
    static let options: Set<String> = [
        "profile", "prometheus", "alertmanager", "loki", "grafana", "jaeger", "config", "logs", "since", "from", "to", "mode", "region", "site",
        "secret-key", "rules", "extra-rules", "queries", "pseudonym-key", "pseudonym-map", "out", "timeout",
        "deadline", "now", "encrypt-to", "tenant", "size-budget",
    ]
    static let flags: Set<String> = ["dry-run", "json", "quiet", "fresh-pseudonyms", "allowlist-mode"]

    static let command = Command(
        name: "collect", summary: "collect, redact and sign a diagnostics bundle",
        help: """
            usage: waka-diag collect --region NAME [SOURCES] [OPTIONS]
                   waka-diag collect --profile FILE [OPTIONS]

            Collects diagnostics from the given sources, replaces every identifier under the
            redaction ruleset, and writes <out>/waka-diag-<site>-<time>.tar.gz with a detached
            minisign signature beside it. Nothing is sent anywhere.

            profile:
              --profile FILE          a collection profile (see 'waka-diag init'): mode, region,
                                      site, endpoints with their credentials, window, timeouts;
                                      the options below override it

            sources (each repeatable; several URLs of one kind are replicas of it):
              --prometheus URL        a Prometheus server, e.g. http://127.0.0.1:9090
              --alertmanager URL      an Alertmanager, e.g. http://127.0.0.1:9093
              --loki URL              a Loki server: readiness, build info, config
              --grafana URL           a Grafana server: health, data sources, dashboards, alert rules
              --jaeger URL            a Jaeger query service: trace statistics only, never traces
              --config PATH           a config file or folder; YAML and JSON are redacted by key
              --logs GLOB             log files to count error types in (plain, JSON lines, logfmt)

            window:
              --since DURATION        how far back history goes (default 1h), e.g. 30m, 6h, 1d
              --from TIME --to TIME   an explicit window in RFC 3339, e.g. 2026-12-04T08:00:00Z;
                                      --from alone runs to the time of collection

            site:
              --mode MODE             saas, partner or self-hosted (default self-hosted)
              --region NAME           the region the data comes from (required, here or in the profile)
              --site NAME             a name for this installation (default: site)
              --tenant ID             saas only (also 'tenant:' in the profile): collect for this
                                      one tenant. Every query carries tenant_id="ID",
                                      Alertmanager lists are filtered by it, and anything naming
                                      another tenant is dropped and counted; the bundle names the
                                      tenant only by its pseudonym. Without it, and in partner and
                                      self-hosted mode, metrics and alert history are aggregated:
                                      no per-tenant series or label value

            keys and rules:
              --secret-key PATH       minisign secret key that signs the bundle
                                      (default ~/.local/share/waka-diag/signing.key; create it
                                      with 'waka-diag keygen')
              --rules PATH            the redaction ruleset (default Redaction/default.yaml)
              --extra-rules PATH      an operator ruleset layered on top (repeatable)
              --allowlist-mode        turn allowlist mode on whatever the rulesets set: in a
                                      YAML or JSON config that an allowlist covers, every
                                      value outside the allowlist's key paths is replaced
              --queries PATH          the metric query set (default Queries/default.yaml)
              --pseudonym-key PATH    the site secret for pseudonyms, created 0600 on first use
                                      (default ~/.local/share/waka-diag/pseudonym.key)
              --pseudonym-map PATH    where the local pseudonym-to-value map is kept
                                      (default ~/.local/share/waka-diag/pseudonyms.json); its
                                      pseudonyms are reserved before redacting, so a new value
                                      that lands on an earlier run's pseudonym is re-keyed, and
                                      its tenant, user and customer values are replaced
                                      wherever they stand as whole tokens
              --fresh-pseudonyms      use a new random pseudonym key for this bundle only, so it
                                      cannot be linked to other bundles

            output:
              --out DIR               output folder (default ./waka-diag-bundles)
              --timeout DURATION      time allowed for each source (default 30s)
              --deadline DURATION     time allowed for the whole collection (default 2m); sources
                                      still running then are recorded as timed_out and what
                                      finished is sealed
              --size-budget SIZE      the most bytes the bundle's files may take, uncompressed,
                                      e.g. 50MB or 200MiB (default: no budget). Raw API documents
                                      (targets, TSDB status, rules, dashboards) are cut first,
                                      then configs, traces, logs and metrics; the manifest,
                                      SUMMARY.md, collection/, redaction/ and alerts/ are kept.
                                      Cuts are listed in the manifest and the bundle is partial
              --now TIME              fix the collection clock (RFC 3339), for reproducible bundles;
                                      WAKA_DIAG_NOW does the same
              --encrypt-to RECIPIENT  also write <bundle>.age encrypted to this age recipient
                                      (age1...; repeatable), signed as <bundle>.age.minisig;
                                      stock 'age -d -i KEY' decrypts it
              --dry-run               print what would be collected from where; contact nothing
              --json                  print a machine-readable result on stdout
              --quiet                 print only errors, a warning if the bundle is not
                                      complete, and the bundle path

            progress: on a terminal, one line per source with its state and elapsed time,
            updated in place; otherwise one log line per event on stderr. NO_COLOR turns
            colour off.

            exit status: 0 complete bundle, 2 bundle written but partial (see
            collection/errors.json), 69 bundle written but every source failed, other
            values as listed by 'waka-diag help'.
            """,
        run: run)

    static func run(_ rawArguments: [String]) async throws -> ExitStatus {
        let arguments = try Arguments(rawArguments, options: options, flags: flags, command: "collect")
        guard arguments.positional.isEmpty else {
            throw DiagError.usage(
                "unexpected argument '\(arguments.positional[0])' for 'collect'; sources are given with --prometheus, --alertmanager, --config and --logs")
        }
        let settings = try CollectSettingsParser.parse(arguments)
        let json = arguments.has("json")
        let quiet = arguments.has("quiet")

        let run = try CollectionRun.prepare(settings)
        if arguments.has("dry-run") {
            printPlan(run, settings: settings, json: json)
            return .success
        }

        let cleanup = CollectionCleanup()
        let live = !quiet && !json && Terminal.stderrIsTerminal && ProcessInfo.processInfo.environment["TERM"] != "dumb"
            ? TerminalProgress() : nil
        let interrupts = InterruptHandler(cleanup: cleanup, beforeExit: { live?.finish() })
        interrupts.install()
        defer { interrupts.uninstall() }

        let progress: any CollectionProgress
        if let live {
            progress = live
        } else if quiet || json {
            progress = SilentProgress()
        } else {
            progress = LogLineProgress()
        }
        let outcome: CollectionOutcome
        do {
            outcome = try await run.execute(progress: progress, cleanup: cleanup)
        } catch {
            live?.finish()
            cleanup.removeAll()
            throw error
        }
        live?.finish()
        if json {
            Terminal.out(outcome.jsonValue.serializedString())
        } else if quiet {
            if let warning = outcome.incompleteWarning { Terminal.err("warning: " + warning) }
            Terminal.out(outcome.bundle.path)
        } else {
            CollectOutcomePrinter.print(outcome, settings: settings)
        }
        return outcome.exitStatus
    }

    static func printPlan(_ run: CollectionRun, settings: CollectionSettings, json: Bool) {
        if json {
            Terminal.out(run.planJSON.serializedString())
            return
        }
        Terminal.out("dry run: nothing is contacted and nothing is written")
        Terminal.out(
            "mode \(settings.mode.rawValue), region \(settings.region), site \(settings.site), window \(Timestamp.format(settings.window.start)) to \(Timestamp.format(settings.window.end))"
        )
        for source in run.plan {
            Terminal.out("\(source.name) \(source.endpoint)")
            for request in source.requests { Terminal.out("  \(request)") }
        }
        Terminal.out("would write \(settings.outputFolder.appendingPathComponent(settings.bundleName + ".tar.gz").path)")
    }
}
