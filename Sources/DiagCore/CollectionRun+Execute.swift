import DiagCollect
import DiagCrypto
import DiagRedaction
import DiagSupport
import Foundation

extension CollectionRun {
    /// Collects every source, removes other tenants' data, redacts, assembles, seals and signs.
    ///
    /// The bundle is written in a private staging folder (mode 0700) inside the output folder
    /// and linked into place only when it and its signature are complete. `cleanup` keeps that
    /// folder and the final paths until the run ends, so an interrupt handler that calls
    /// `cleanup.removeAll()` leaves no bundle, no partial file and no staging folder behind.
    public func execute(progress: any CollectionProgress, cleanup: CollectionCleanup) async throws -> CollectionOutcome {
        let bundle = settings.outputFolder.appendingPathComponent("\(settings.bundleName).tar.gz")
        try Self.checkFree([bundle, URL(fileURLWithPath: bundle.path + ".minisig")] + encryptedPaths(bundle))

        let limits = DeadlineRunner.Limits(start: Date(), sourceTimeout: settings.sourceTimeout, overallTimeout: settings.overallTimeout)
        let collected = await DeadlineRunner.run(collectors, window: settings.window, limits: limits, progress: progress)
        let merged = ErrorTypeDocuments.merge(collected)

        let pseudonymizer = makePseudonymizer()
        var (results, tenantReport) = TenantGuard(scope: settings.tenantScope, reportedIdentifiers: tenantIdentifiers.identifiers)
            .apply(merged)
        if let tenant = settings.tenantScope.tenant {
            tenantReport.tenantPseudonym = pseudonymizer.pseudonym(for: tenant, kind: .tenantID)
            tenantReport.otherTenantMarks = Self.otherTenantMarks(tenantReport.otherIdentifiers, pseudonymizer: pseudonymizer)
        }

        progress.step("redacting \(results.reduce(0) { $0 + $1.documents.count }) documents")
        let redactor = Redactor(ruleset: ruleset, pseudonymizer: pseudonymizer)
        redactor.useSiteMap(siteMap)
        var assembler = BundleAssembler(
            settings: settings, redactor: redactor, rulesetText: ruleset.publishableText ?? rulesetText,
            rulesetSummary: Manifest.RulesetSummary(
                id: ruleset.id, sha256: Sodium.sha256(Data(rulesetText.utf8)).hexString, ruleCount: ruleset.rules.count,
                disabled: ruleset.disabledRules.map { ($0.id, $0.reason) }, keywordCount: ruleset.keywords.count,
                allowlistMode: ruleset.allowlistMode),
            toolVersion: WakaDiag.version)
        assembler.tenantReport = tenantReport
        var extra: [CollectedDocument] = []
        if let replicas = ReplicaComparison.document(ReplicaComparison.compare(results, digestKey: pseudonymSecret)) {
            extra.append(replicas)
        }
        let assembly = try assembler.assemble(results, extraDocuments: extra)
        results = []

        progress.step("sealing \(assembly.files.count) files")
        let published = try seal(assembly, cleanup: cleanup)

        if let mapPath = settings.pseudonymMapPath, settings.pseudonymKeyPath != nil {
            try redactor.pseudonymMap.save(to: mapPath)
        }
        try AuditLog.append(
            action: "create", bundleSHA256: published.sha256, destination: nil,
            details: [
                "bundle": .string(published.bundle.lastPathComponent), "mode": .string(settings.mode.rawValue),
                "region": .string(settings.region), "site": .string(settings.site),
            ])
        for path in published.all { cleanup.files.forget(path) }

        var exitStatus = ExitStatus.success
        if assembly.sources.contains(where: { $0.status != .ok }) || !assembly.leftOut.isEmpty || !assembly.cut.isEmpty {
            exitStatus = .partialBundle
        }
        // A partial source returned some data, and every other failure status means none that counts.
        if !assembly.sources.isEmpty, assembly.sources.allSatisfy({ $0.status != .ok && $0.status != .partial }) {
            exitStatus = .allSourcesFailed
        }
        return CollectionOutcome(
            bundle: published.bundle, signature: published.signature, bundleSHA256: published.sha256,
            encrypted: published.encrypted, exitStatus: exitStatus,
            sources: assembly.sources,
            leftOut: assembly.leftOut, fileCount: assembly.files.count, replacements: assembly.replacements, cut: assembly.cut,
            tenantReport: tenantReport)
    }

    /// The files of a published bundle.
    struct Published {
        var bundle: URL
        var signature: URL
        var sha256: String
        var encrypted: URL?
        var all: [URL]
    }

    /// Seals and signs in a staging folder, then links each file into the output folder, the
    /// signatures first and the bundle last, so a visible bundle always has its signature.
    private func seal(_ assembly: BundleAssembler.Assembly, cleanup: CollectionCleanup) throws -> Published {
        let staging = try cleanup.makeStagingFolder(in: settings.outputFolder)
        defer { cleanup.removeFolder(staging) }
        let sealed = try BundleSealer.seal(
            files: assembly.files, bundleName: settings.bundleName, modificationTime: settings.now, outputFolder: staging,
            secretKey: signingKey,
            trustedComment: "timestamp:\(Int(settings.now.timeIntervalSince1970))\tfile:\(settings.bundleName).tar.gz\thashed",
            cleanup: cleanup.files)
        var staged = [sealed.signature]
        var encrypted: URL?
        if !settings.encryptTo.isEmpty {
            let file = try BundleSealer.encrypt(
                sealed, recipients: settings.encryptTo, secretKey: signingKey,
                trustedComment: "timestamp:\(Int(settings.now.timeIntervalSince1970))\tfile:\(settings.bundleName).tar.gz.age\thashed",
                cleanup: cleanup.files)
            staged += [URL(fileURLWithPath: file.path + ".minisig"), file]
            encrypted = settings.outputFolder.appendingPathComponent(file.lastPathComponent)
        }
        staged.append(sealed.bundle)

        var published: [URL] = []
        for file in staged {
            let target = settings.outputFolder.appendingPathComponent(file.lastPathComponent)
            cleanup.files.register(target)
            guard link(file.path, target.path) == 0 else {
                let reason = errno == EEXIST ? "the file already exists" : String(cString: strerror(errno))
                for done in published { cleanup.files.removeNow(done) }
                cleanup.files.forget(target)
                throw DiagError(.cannotCreate, "cannot write \(target.path): \(reason); choose another --out folder or move the old bundle away")
            }
            published.append(target)
        }
        return Published(
            bundle: settings.outputFolder.appendingPathComponent(sealed.bundle.lastPathComponent),
            signature: settings.outputFolder.appendingPathComponent(sealed.signature.lastPathComponent), sha256: sealed.sha256,
            encrypted: encrypted, all: published)
    }

    private func encryptedPaths(_ bundle: URL) -> [URL] {
        guard !settings.encryptTo.isEmpty else { return [] }
        return [URL(fileURLWithPath: bundle.path + ".age"), URL(fileURLWithPath: bundle.path + ".age.minisig")]
    }

    /// Fails before any source is contacted when an output file already exists.
    static func checkFree(_ paths: [URL]) throws {
        for path in paths where FileManager.default.fileExists(atPath: path.path) {
            throw DiagError(
                .cannotCreate,
                "cannot write \(path.path): the file already exists; choose another --out folder or move the old bundle away")
        }
    }

    /// Returns what must not occur in a tenant-scoped bundle: every other tenant's pseudonym,
    /// and each identifier that cannot be an ordinary word (it has a digit, `-`, `_` or `.`).
    static func otherTenantMarks(_ identifiers: [String], pseudonymizer: Pseudonymizer) -> [String] {
        var marks = Set(identifiers.map { pseudonymizer.pseudonym(for: $0, kind: .tenantID) })
        for identifier in identifiers where identifier.contains(where: { $0.isNumber || "-_.".contains($0) }) {
            marks.insert(identifier)
        }
        return marks.sorted()
    }
}

/// The result of `collect`, for the terminal and for `--json`.
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
    /// Files cut by the size budget.
    public var cut: [SizeBudget.CutFile] = []
    public var tenantReport: TenantGuardReport?

    /// `complete`, `partial`, or `all_sources_failed`.
    public var statusText: String {
        switch exitStatus {
        case .success: return "complete"
        case .allSourcesFailed: return "all_sources_failed"
        default: return "partial"
        }
    }

    /// One line for the terminal when the bundle is not complete, or nil when it is.
    public var incompleteWarning: String? {
        let failed = sources.filter { $0.status != .ok }.count
        switch exitStatus {
        case .allSourcesFailed:
            return "every source failed (\(sources.count) of \(sources.count)): the bundle holds little beyond the failure report in collection/errors.json; fix the sources and collect again"
        case .partialBundle:
            var parts: [String] = []
            if failed > 0 { parts.append("\(failed) of \(sources.count) sources failed") }
            if !leftOut.isEmpty { parts.append("\(leftOut.count) files left out") }
            if !cut.isEmpty { parts.append("\(cut.count) files cut by the size budget") }
            return "partial bundle: " + parts.joined(separator: ", ") + "; see collection/errors.json in the bundle"
        default:
            return nil
        }
    }

    public var jsonValue: JSONValue {
        [
            "bundle": .string(bundle.path), "signature": .string(signature.path), "sha256": .string(bundleSHA256),
            "encrypted": encrypted.map { .string($0.path) } ?? .null,
            "status": .string(statusText),
            "exit_status": JSONValue(Int(exitStatus.rawValue)),
            "sources": .array(sources.map(\.jsonValue)), "left_out": .array(leftOut.map(\.jsonValue)),
            "cut": .array(cut.map(\.jsonValue)),
            "tenant_scope": tenantReport.map(\.jsonValue) ?? .null,
            "files": JSONValue(fileCount), "replacements": JSONValue(replacements),
        ]
    }
}
