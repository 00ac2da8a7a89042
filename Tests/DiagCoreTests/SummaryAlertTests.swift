@testable import DiagCore
import DiagCollect
import DiagSupport
import Foundation
import Testing

/// The alert table of `SUMMARY.md` shows whether each alert was still active when the window
/// ended, so a reader in an incident does not take an ended alert for a firing one.
struct SummaryAlertTests {
    static func summary(history: JSONValue) -> String {
        let now = Timestamp.parse("2026-12-04T20:00:00Z")!
        let folder = URL(fileURLWithPath: "/nonexistent")
        let settings = CollectionSettings(
            mode: .partner, region: "eu-west-1", site: "lagos-dc1",
            window: CollectionWindow(start: now.addingTimeInterval(-3600), end: now), now: now, prometheusURLs: [],
            alertmanagerURLs: [], configPaths: [], logGlobs: [], rulesPath: folder, extraRulesPaths: [], queriesPath: folder,
            signingKeyPath: folder, pseudonymKeyPath: nil, pseudonymMapPath: nil, outputFolder: folder, sourceTimeout: 30,
            overallTimeout: 120)
        let file = BundleFile(path: "alerts/prometheus-history.json", data: history.serialized())
        return SummaryDocument(settings: settings, sources: [], files: [file.path: file], leftOut: [], replacements: 0).markdown()
    }

    @Test func endedAndOpenAlertsAreTold() throws {
        let history: JSONValue = [
            "alerts": [
                ["alertname": "DemoStartupErrorBurst", "state": "firing", "interval_count": 1, "open_count": 0, "total_seconds": 45],
                ["alertname": "TargetDown", "state": "firing", "interval_count": 2, "open_count": 1, "total_seconds": 0],
            ],
            "intervals": [],
        ]
        let text = Self.summary(history: history)

        #expect(text.contains("| Alert | Severity | Intervals of | Intervals | Time in that state | Now |"))
        #expect(text.contains("| DemoStartupErrorBurst |  | firing | 1 | 45s | ended |"), "\(text)")
        #expect(text.contains("| TargetDown |  | firing | 2 | under 1s | still firing |"), "\(text)")
    }
}
