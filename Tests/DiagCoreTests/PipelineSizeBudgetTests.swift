@testable import DiagCore
import DiagSupport
import Foundation
import Testing

/// The size budget: which files are cut first, sizes as operators write them, and a real
/// `collect` whose bundle is over its budget.
@Suite struct PipelineSizeBudgetTests {
    @Test(arguments: [
        ("manifest.json", SizeBudget.Tier.kept), ("SUMMARY.md", .kept), ("collection/errors.json", .kept),
        ("redaction/report.json", .kept), ("alerts/prometheus-history.json", .kept), ("metrics/summary.json", .metrics),
        ("logs/error-types.json", .logs), ("traces/stats.json", .traces), ("config/prometheus/prometheus.yml", .configs),
        ("prometheus/buildinfo.json", .other), ("report.html", .other), ("prometheus/targets.json", .rawAPI),
        ("prometheus/replica-2/tsdb-status.json", .rawAPI), ("prometheus/rules.json", .rawAPI),
        ("grafana/dashboards.json", .rawAPI), ("grafana/datasources.json", .other),
    ])
    func tierOfPath(_ path: String, _ tier: SizeBudget.Tier) {
        #expect(SizeBudget.tier(of: path) == tier)
    }

    @Test func choosesRawDocumentsFirstThenLargest() {
        let sizes = [
            "manifest.json": 5000, "alerts/silences.json": 9000, "metrics/summary.json": 4000, "config/a.yml": 3000,
            "config/b.yml": 6000, "prometheus/targets.json": 1000, "prometheus/rules.json": 2000, "report.html": 500,
        ]
        let none = SizeBudget.choose(from: sizes, excess: 0)
        #expect(none.isEmpty)
        let two = SizeBudget.choose(from: sizes, excess: 2500).map(\.path)
        #expect(two == ["prometheus/rules.json", "prometheus/targets.json"])
        let more = SizeBudget.choose(from: sizes, excess: 9000).map(\.path)
        #expect(more == ["prometheus/rules.json", "prometheus/targets.json", "report.html", "config/b.yml"])
        let all = SizeBudget.choose(from: sizes, excess: 1_000_000).map(\.path)
        #expect(all.last == "metrics/summary.json")
        #expect(!all.contains("manifest.json"))
        #expect(!all.contains("alerts/silences.json"))
    }

    @Test(arguments: [
        ("50MB", 50_000_000), ("50 MB", 50_000_000), ("1.5GiB", 1_610_612_736), ("512KiB", 524_288), ("2048", 2048),
        ("10B", 10), ("1KB", 1000),
    ])
    func parsesSizes(_ text: String, _ bytes: Int) throws {
        #expect(try ByteCount.parse(text, option: "--size-budget") == bytes)
    }

    @Test(arguments: ["", "0", "-5MB", "50mb", "MB", "1e3", "5 TB", "0.1B", "99999999999999999999GB"])
    func rejectsInvalidSizes(_ text: String) {
        #expect(throws: DiagError.self) { try ByteCount.parse(text, option: "--size-budget") }
    }

    /// Collects the demo config files under a budget that fits the always-kept files and some
    /// configs but not all of them.
    @Test func collectCutsConfigsAndRecordsThem() throws {
        let work = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let keys = try TestSupport.makeKeys(in: work, home: work)
        let configs = TestSupport.repositoryRoot.appendingPathComponent("demo/configs").path
        func collect(_ extra: [String], out: String) throws -> (TestSupport.Output, JSONValue) {
            let output = try TestSupport.wakaDiag(
                ["collect", "--config", configs, "--region", "eu-west-1", "--secret-key", keys.secret.path, "--now", "2026-12-04T20:00:00Z",
                 "--out", work.appendingPathComponent(out).path, "--json"] + extra, home: work)
            return (output, try JSONValue.parse(Data(output.stdout.utf8)))
        }

        let (full, fullResult) = try collect([], out: "full")
        #expect(full.status == 2, "demo/configs holds a binary keystore, so the bundle is partial: \(full.stderr)")
        let fullFiles = try #require(fullResult["files"]?.intValue)
        #expect(fullResult["cut"] == [])

        // The budget fits the always-kept files and half of the others.
        let fullBundle = try #require(fullResult["bundle"]?.stringValue)
        let fullManifest = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", fullBundle, "--show", "manifest.json"], home: work).stdout.utf8))
        var keptBytes: Int64 = 0
        var otherBytes: Int64 = 0
        for file in fullManifest["files"]?.arrayValue ?? [] {
            let size = file["size"]?.intValue ?? 0
            if SizeBudget.tier(of: file["path"]?.stringValue ?? "") == .kept { keptBytes += size } else { otherBytes += size }
        }
        #expect(otherBytes > 8000, "the demo configs give the budget something to cut")
        let budget = keptBytes + otherBytes / 2

        let (cut, result) = try collect(["--size-budget", String(budget)], out: "cut")
        #expect(cut.status == 2, "\(cut.stderr)")
        let cutFiles = result["cut"]?.arrayValue ?? []
        #expect(!cutFiles.isEmpty)
        #expect(result["files"]?.intValue == fullFiles - Int64(cutFiles.count))
        let bundle = URL(fileURLWithPath: try #require(result["bundle"]?.stringValue))

        // The manifest and errors.json list every cut file with its size, and no kept file exceeds the budget.
        let manifest = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", bundle.path, "--show", "manifest.json"], home: work).stdout.utf8))
        #expect(manifest["cut"]?.arrayValue?.count == cutFiles.count)
        for item in manifest["cut"]?.arrayValue ?? [] {
            #expect((item["bytes"]?.intValue ?? 0) > 0)
            #expect(SizeBudget.tier(of: item["path"]?.stringValue ?? "") != .kept)
        }
        let total = (manifest["files"]?.arrayValue ?? []).reduce(Int64(0)) { $0 + ($1["size"]?.intValue ?? 0) }
        #expect(total < budget, "the listed files take \(total) bytes, before the manifest itself")
        #expect(manifest["settings"]?["size_budget_met"] == true)
        let errors = try TestSupport.wakaDiag(["review", bundle.path, "--show", "collection/errors.json"], home: work).stdout
        for item in cutFiles { #expect(errors.contains(item["path"]?.stringValue ?? "?")) }
        #expect(errors.contains("size-budget"))
        let summary = try TestSupport.wakaDiag(["review", bundle.path, "--show", "SUMMARY.md"], home: work).stdout
        #expect(summary.contains("## Cut by the size budget"))

        let verify = try TestSupport.wakaDiag(["verify", bundle.path, "--public-key", keys.public.path], home: work)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        try SchemaCheck.validateBundle(bundle)

        // A budget below the always-kept files cuts everything cuttable and says the budget was not met.
        let (tiny, tinyResult) = try collect(["--size-budget", "100B"], out: "tiny")
        #expect(tiny.status == 2)
        let tinyBundle = try #require(tinyResult["bundle"]?.stringValue)
        let tinyManifest = try JSONValue.parse(Data(try TestSupport.wakaDiag(["review", tinyBundle, "--show", "manifest.json"], home: work).stdout.utf8))
        #expect(tinyManifest["settings"]?["size_budget_met"] == false)
        let kept = (tinyManifest["files"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
        #expect(kept.allSatisfy { SizeBudget.tier(of: $0) == .kept }, "\(kept)")
    }
}
