import DiagRedaction
import Foundation
import Testing

/// Redacts the demo stack's files (demo/ in the repository) and checks every identifier listed
/// in demo/planted-identifiers.txt against the output.
struct DemoCorpusTests {
    static let demoFolder = TestSupport.repositoryRoot.appendingPathComponent("demo")

    /// The demo files that waka-diag can collect, by their names in a bundle.
    static let files = [
        "alertmanager.yml.in", "prometheus.yml.in", "rules.yml", "configs/alertmanager-prod.yml", "configs/app.env",
        "configs/grafana.ini", "configs/http-client.json", "configs/loki-runtime.yaml", "configs/loki.yaml",
        "configs/tls/client-key.pem", "logs/app.log",
    ]

    @Test func plantedIdentifiersAreGone() throws {
        let plantedURL = Self.demoFolder.appendingPathComponent("planted-identifiers.txt")
        try #require(FileManager.default.fileExists(atPath: plantedURL.path), "demo/planted-identifiers.txt is missing")
        let planted = try String(contentsOf: plantedURL, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { !$0.isEmpty }
        #expect(planted.count >= 20)

        let redactor = TestSupport.makeRedactor()
        var checked = 0
        for file in Self.files {
            let url = Self.demoFolder.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let original = try String(contentsOf: url, encoding: .utf8)
            let name = file.hasSuffix(".in") ? String(file.dropLast(3)) : file
            let output = String(decoding: try redactor.redactFile(name: name, data: Data(original.utf8)), as: UTF8.self)
            for value in planted where original.contains(value) {
                checked += 1
                #expect(!output.contains(value), "\(file) still contains the planted identifier \(value)")
            }
        }
        #expect(checked >= 50)
    }
}
