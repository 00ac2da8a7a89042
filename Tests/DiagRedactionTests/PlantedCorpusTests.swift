import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Redacts a corpus shaped like the demo stack's documents and checks that nothing planted
/// survives while the diagnostic text does.
struct PlantedCorpusTests {
    static let files: [(name: String, text: String)] = [
        ("prometheus/prometheus.yml", PlantedCorpus.prometheusConfig),
        ("alertmanager/alertmanager.yml", PlantedCorpus.alertmanagerConfig),
        ("prometheus/rules.yml", PlantedCorpus.rules),
        ("alertmanager/alerts.json", PlantedCorpus.alertsResponse),
        ("logs/prometheus.log", PlantedCorpus.logLines),
    ]

    /// Redacts every file with one redactor, as the pipeline does.
    static func redactAll() throws -> (redactor: Redactor, outputs: [String: String]) {
        let redactor = TestSupport.makeRedactor()
        var outputs: [String: String] = [:]
        for file in files {
            let data = try redactor.redactFile(name: file.name, data: Data(file.text.utf8))
            outputs[file.name] = String(decoding: data, as: UTF8.self)
        }
        return (redactor, outputs)
    }

    @Test func plantedValuesAreGone() throws {
        let (_, outputs) = try Self.redactAll()
        for file in Self.files {
            let output = outputs[file.name]!
            for value in PlantedCorpus.plantedValues where file.text.contains(value) {
                #expect(!output.contains(value), "\(file.name) still contains a planted value:\n\(output)")
            }
        }
    }

    @Test func diagnosticTextSurvives() throws {
        let (_, outputs) = try Self.redactAll()
        for file in Self.files {
            let output = outputs[file.name]!
            for kept in PlantedCorpus.keptText where file.text.contains(kept) {
                #expect(output.contains(kept), "\(file.name) lost '\(kept)':\n\(output)")
            }
        }
    }

    @Test func outputsStillParse() throws {
        let (_, outputs) = try Self.redactAll()
        for file in Self.files where file.name.hasSuffix(".yml") {
            let original = try YAMLDocument.parseAll(file.text)
            let redacted = try YAMLDocument.parseAll(outputs[file.name]!)
            #expect(redacted.count == original.count)
        }
        let alerts = try JSONValue.parse(outputs["alertmanager/alerts.json"]!)
        #expect(alerts[0]?["labels"]?["alertname"] == "HighErrorRate")
        #expect(alerts[0]?["labels"]?["job"] == "node")
    }

    @Test func commentsAndLayoutSurvive() throws {
        let (_, outputs) = try Self.redactAll()
        let config = outputs["prometheus/prometheus.yml"]!
        #expect(config.hasPrefix("# Prometheus configuration, maintained by user-"))
        #expect(config.contains("    tenant_id: tenant-"))
        #expect(config.contains("   # billing contact +234 "))
        #expect(config.split(separator: "\n").count == PlantedCorpus.prometheusConfig.split(separator: "\n").count)
    }

    @Test func sameValueSamePseudonymAcrossFiles() throws {
        let (redactor, outputs) = try Self.redactAll()
        let tenant = redactor.pseudonymizer.pseudonym(for: "acme-corp", kind: .tenantID)
        #expect(tenant.hasPrefix("tenant-"))
        for name in ["prometheus/prometheus.yml", "prometheus/rules.yml", "alertmanager/alerts.json", "logs/prometheus.log"] {
            #expect(outputs[name]!.contains(tenant), "\(name) lacks \(tenant)")
        }
        let email = redactor.pseudonymizer.pseudonym(for: "jane.doe@acme-corp.com", kind: .email)
        #expect(outputs["prometheus/rules.yml"]!.contains(email))
        #expect(outputs["alertmanager/alerts.json"]!.contains(email))
    }

    @Test func addressesInOneSubnetShareThePseudonymousSubnet() throws {
        let (redactor, outputs) = try Self.redactAll()
        let first = redactor.pseudonymizer.pseudonym(for: "10.20.30.40", kind: .ipv4)
        let second = redactor.pseudonymizer.pseudonym(for: "10.20.30.41", kind: .ipv4)
        #expect(first != second)
        #expect(first.split(separator: ".").prefix(3) == second.split(separator: ".").prefix(3))
        #expect(first.hasPrefix("10."), "a private address stays private: \(first)")
        #expect(outputs["logs/prometheus.log"]!.contains(first))
        #expect(outputs["prometheus/rules.yml"]!.contains(second))
    }

    @Test func leakScanFindsNothing() throws {
        let (redactor, outputs) = try Self.redactAll()
        let documents = outputs.mapValues { Data($0.utf8) }
        let hits = redactor.findLeaks(in: documents)
        #expect(hits.isEmpty, "leaks: \(hits)")
        #expect(redactor.replacedValues.contains("acme-corp"))
    }

    @Test func reportCountsRulesPerFile() throws {
        let (redactor, _) = try Self.redactAll()
        let report = redactor.report
        #expect(report.total(for: "tenant-id") >= 5)
        #expect(report.counts["secret-keys"]?["prometheus/prometheus.yml"] ?? 0 >= 2)
        #expect(report.counts["chat-webhook-url"]?["logs/prometheus.log"] == 1)
        let json = report.jsonValue().serializedString()
        for value in PlantedCorpus.plantedValues where value.utf8.count >= 4 {
            #expect(!json.contains(value), "the report names a value")
        }
    }

    @Test func pseudonymMapTranslatesBack() throws {
        let (redactor, outputs) = try Self.redactAll()
        let map = redactor.pseudonymMap
        let restored = map.unmap(text: outputs["logs/prometheus.log"]!)
        #expect(restored.contains("tenant_id=acme-corp"))
        #expect(restored.contains("10.20.30.40:9100"))
        #expect(!map.entries.values.contains { $0.original == "mail-pass-8812" }, "the map must not hold secrets")
    }
}
