import DiagCollect
import DiagCrypto
import DiagRedaction
import DiagSupport
import Foundation

/// One `collect`: everything is loaded and checked by `prepare`, before any source is contacted,
/// then `execute` collects, redacts, assembles, seals and signs.
public final class CollectionRun: @unchecked Sendable {
    public let settings: CollectionSettings
    let collectors: [any Collector]
    let ruleset: Ruleset
    let rulesetText: String
    let signingKey: MinisignSecretKey
    let pseudonymSecret: [UInt8]

    /// One source as `--dry-run` shows it.
    public struct PlannedSource: Sendable {
        public var name: String
        public var endpoint: String
        public var requests: [String]
    }

    init(
        settings: CollectionSettings, collectors: [any Collector], ruleset: Ruleset, rulesetText: String,
        signingKey: MinisignSecretKey, pseudonymSecret: [UInt8]
    ) {
        self.settings = settings
        self.collectors = collectors
        self.ruleset = ruleset
        self.rulesetText = rulesetText
        self.signingKey = signingKey
        self.pseudonymSecret = pseudonymSecret
    }

    /// Loads the ruleset, query set and keys and checks every local path, so that bad input fails
    /// with a clear error before anything is contacted or written.
    public static func prepare(_ settings: CollectionSettings) throws -> CollectionRun {
        let ruleset = try Ruleset.load(default: settings.rulesPath, extra: settings.extraRulesPaths)
        let rulesetText = String(decoding: try FileSafety.read(settings.rulesPath), as: UTF8.self)
        try ConfigFileCollector.validate(paths: settings.configPaths)
        let querySet = try QuerySet.load(url: settings.queriesPath)
        let signingKey = try KeyFiles.loadSecretKey(at: settings.signingKeyPath)
        let secret: [UInt8]
        if let path = settings.pseudonymKeyPath {
            secret = try SiteSecret.loadOrCreate(at: path)
        } else {
            secret = SiteSecret.ephemeral()
        }

        var profile = CollectionProfile(
            source: URL(fileURLWithPath: settings.profileName ?? "command line"), mode: settings.mode,
            region: settings.region, site: settings.site)
        profile.endpoints = settings.endpoints
        profile.timeouts.request = settings.requestTimeout
        var collectors = try profile.collectors(querySet: querySet)
        if !settings.configPaths.isEmpty {
            collectors.append(ConfigFileCollector(paths: settings.configPaths))
        }
        if !settings.logGlobs.isEmpty {
            collectors.append(LogFilesCollector(globs: settings.logGlobs))
        }
        return CollectionRun(
            settings: settings, collectors: collectors, ruleset: ruleset, rulesetText: rulesetText,
            signingKey: signingKey, pseudonymSecret: secret)
    }

    public var plan: [PlannedSource] {
        collectors.map { PlannedSource(name: $0.name, endpoint: $0.endpointDescription, requests: $0.plannedRequests()) }
    }

    public var planJSON: JSONValue {
        [
            "dry_run": true,
            "mode": .string(settings.mode.rawValue), "region": .string(settings.region), "site": .string(settings.site),
            "window": [
                "start": .string(Timestamp.format(settings.window.start)),
                "end": .string(Timestamp.format(settings.window.end)),
            ],
            "bundle": .string(settings.outputFolder.appendingPathComponent(settings.bundleName + ".tar.gz").path),
            "sources": .array(
                plan.map { ["name": .string($0.name), "endpoint": .string($0.endpoint), "requests": .array($0.requests.map { .string($0) })] }
            ),
        ]
    }

    public func execute(progress: any CollectionProgress, cleanup: TemporaryFiles) async throws -> CollectionOutcome {
        let deadline = Date().addingTimeInterval(settings.overallTimeout)
        let perSourceDeadline = min(deadline, Date().addingTimeInterval(settings.sourceTimeout))
        let results = await DeadlineRunner.run(
            collectors, window: settings.window, deadline: perSourceDeadline, progress: progress)

        progress.step("redacting \(results.reduce(0) { $0 + $1.documents.count }) documents")
        let redactor = Redactor(ruleset: ruleset, pseudonymizer: Pseudonymizer(secret: pseudonymSecret))
        let assembler = BundleAssembler(
            settings: settings, redactor: redactor, rulesetText: ruleset.publishableText ?? rulesetText,
            rulesetSummary: Manifest.RulesetSummary(
                id: ruleset.id, sha256: Sodium.sha256(Data(rulesetText.utf8)).hexString, ruleCount: ruleset.rules.count,
                disabled: ruleset.disabledRules.map { ($0.id, $0.reason) }, keywordCount: ruleset.keywords.count),
            toolVersion: WakaDiag.version)
        var extra: [CollectedDocument] = []
        if let replicas = ReplicaComparison.document(ReplicaComparison.compare(results, digestKey: pseudonymSecret)) {
            extra.append(replicas)
        }
        let assembly = try assembler.assemble(results, extraDocuments: extra)

        progress.step("sealing \(assembly.files.count) files")
        let sealed = try BundleSealer.seal(
            files: assembly.files, bundleName: settings.bundleName, modificationTime: settings.now,
            outputFolder: settings.outputFolder, secretKey: signingKey,
            trustedComment: "timestamp:\(Int(settings.now.timeIntervalSince1970))\tfile:\(settings.bundleName).tar.gz\thashed",
            cleanup: cleanup)

        var encrypted: URL?
        if !settings.encryptTo.isEmpty {
            encrypted = try BundleSealer.encrypt(
                sealed, recipients: settings.encryptTo, secretKey: signingKey,
                trustedComment: "timestamp:\(Int(settings.now.timeIntervalSince1970))\tfile:\(settings.bundleName).tar.gz.age\thashed",
                cleanup: cleanup)
        }

        if let mapPath = settings.pseudonymMapPath, settings.pseudonymKeyPath != nil {
            try redactor.pseudonymMap.save(to: mapPath)
        }
        try AuditLog.append(
            action: "create", bundleSHA256: sealed.sha256, destination: nil,
            details: [
                "bundle": .string(sealed.bundle.lastPathComponent), "mode": .string(settings.mode.rawValue),
                "region": .string(settings.region), "site": .string(settings.site),
            ])

        let partial = results.contains { $0.status != .ok } || !assembly.leftOut.isEmpty
        return CollectionOutcome(
            bundle: sealed.bundle, signature: sealed.signature, bundleSHA256: sealed.sha256, encrypted: encrypted,
            exitStatus: partial ? .partialBundle : .success, sources: assembly.sources, leftOut: assembly.leftOut,
            fileCount: assembly.files.count, replacements: assembly.replacements)
    }
}

/// The result of one `collect`, for the terminal and for `--json`.
public struct CollectionOutcome: Sendable {
    public var bundle: URL
    public var signature: URL
    public var bundleSHA256: String
    /// The age-encrypted copy (`<bundle>.age`), signed as `<bundle>.age.minisig`, when requested.
    public var encrypted: URL?
    public var exitStatus: ExitStatus
    public var sources: [Manifest.SourceSummary]
    public var leftOut: [LeftOutFile]
    public var fileCount: Int
    public var replacements: Int

    public var jsonValue: JSONValue {
        [
            "bundle": .string(bundle.path), "signature": .string(signature.path), "sha256": .string(bundleSHA256),
            "encrypted": encrypted.map { .string($0.path) } ?? .null,
            "status": .string(exitStatus == .success ? "complete" : "partial"),
            "exit_status": JSONValue(Int(exitStatus.rawValue)),
            "sources": .array(sources.map(\.jsonValue)), "left_out": .array(leftOut.map(\.jsonValue)),
            "files": JSONValue(fileCount), "replacements": JSONValue(replacements),
        ]
    }
}
