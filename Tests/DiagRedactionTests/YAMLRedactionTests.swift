import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// In-place YAML rewriting: quoting, block scalars, comments, aliases and streams.
struct YAMLRedactionTests {
    func redact(_ text: String) throws -> String {
        try TestSupport.makeRedactor().redactYAML(text, file: "test.yml")
    }

    @Test func unchangedTextIsReturnedAsIs() throws {
        let text = "global:\n  scrape_interval: 15s   # every 15 s\n\nrule_files: [a.yml]\n"
        #expect(try redact(text) == text)
    }

    @Test func quotingFollowsTheOriginalStyle() throws {
        let text = """
            plain: 10.1.2.3
            single: 'tenant_id="acme-corp"'
            double: "owner jane@acme.com\\tok"
            password: 12345
            nothing: ~

            """
        let output = try redact(text)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("plain: 10."))
        #expect(lines[1].hasPrefix("single: 'tenant_id=\"tenant-"))
        #expect(lines[2].hasPrefix("double: \"owner user-"))
        #expect(lines[2].hasSuffix("\\tok\""))
        #expect(lines[3].hasPrefix("password: <redacted:secret-value:"))
        #expect(lines[4] == "nothing: ~")
        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["password"]?.stringValue?.hasPrefix("<redacted:") == true, "a replaced number becomes a string")
        #expect(value["nothing"] == .null)
    }

    @Test func plainValuesThatWouldChangeMeaningAreQuoted() throws {
        let output = try redact("user_id: 42\nlabels: {tenant_id: acme}\n")
        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["user_id"]?.stringValue?.hasPrefix("user-") == true)
        #expect(value["labels"]?["tenant_id"]?.stringValue?.hasPrefix("tenant-") == true)
    }

    @Test func literalBlockKeepsIndentationAndNeighbours() throws {
        let text = """
            annotations:
              description: |
                Host 10.20.30.40 is down.
                Call jane@acme-corp.com.
              summary: keep me
            after: 1

            """
        let output = try redact(text)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[1] == "  description: |")
        #expect(lines[2].hasPrefix("    Host 10."))
        #expect(lines[3].hasPrefix("    Call user-"))
        #expect(lines[4] == "  summary: keep me")
        #expect(lines[5] == "after: 1")
        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["annotations"]?["description"]?.stringValue?.hasSuffix(".\n") == true)
    }

    @Test func foldedAndKeepBlocksStayEquivalent() throws {
        let text = "a: >-\n  folded 10.1.2.3\n  text\nb: |+\n  kept 10.1.2.4\n\n\nc: end\n"
        let output = try redact(text)
        let value = try YAMLDocument.parse(output).jsonValue()
        let a = try #require(value["a"]?.stringValue)
        let b = try #require(value["b"]?.stringValue)
        #expect(a.hasPrefix("folded 10."))
        #expect(a.hasSuffix(" text"))
        #expect(b.hasPrefix("kept 10."))
        #expect(b.hasSuffix("\n\n\n"))
        #expect(value["c"] == "end")
    }

    @Test func commentsAreRedactedAndKept() throws {
        let text = "# owner: jane@acme-corp.com\nname: value # on 10.1.2.3\nurl: 'http://x/#frag'\n"
        let output = try redact(text)
        #expect(output.hasPrefix("# owner: user-"))
        #expect(output.contains("name: value # on 10."))
        #expect(!output.contains("10.1.2.3"))
        #expect(output.contains("'http://host-"))
        #expect(output.contains("/#frag'"))
    }

    @Test func keysAreScannedByPatterns() throws {
        let output = try redact("owners:\n  jane@acme-corp.com: admin\n  10.1.2.3: router\n")
        #expect(!output.contains("jane@acme-corp.com"))
        #expect(!output.contains("10.1.2.3"))
        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["owners"]?.objectValue?.count == 2)
    }

    @Test func multiDocumentStreams() throws {
        let text = "---\ntenant_id: acme-corp\n---\ntenant_id: globex\n...\n"
        let output = try redact(text)
        let documents = try YAMLDocument.parseAll(output)
        #expect(documents.count == 2)
        #expect(!output.contains("acme-corp"))
        #expect(!output.contains("globex"))
        #expect(output.hasPrefix("---\ntenant_id: tenant-"))
    }

    @Test func aliasOfASecretIsReplacedAtItsAnchor() throws {
        let text = "base: &pw hunter2-secret\nsmtp:\n  password: *pw\n"
        let output = try redact(text)
        #expect(!output.contains("hunter2-secret"))
        #expect(output.contains("*pw"))
        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["smtp"]?["password"] == value["base"])
    }

    @Test func sequencesUnderHostKeys() throws {
        let output = try redact("targets: ['localhost:9100', 'web-01:9100', \"[2001:db8::7]:9100\"]\n")
        let targets = try #require(YAMLDocument.parse(output).jsonValue()["targets"]?.arrayValue)
        #expect(targets[0] == "localhost:9100")
        #expect(targets[1].stringValue?.hasPrefix("host-") == true)
        #expect(targets[1].stringValue?.hasSuffix(":9100") == true)
        #expect(targets[2].stringValue?.hasPrefix("[2001:") == true)
        #expect(targets[2].stringValue?.hasSuffix("]:9100") == true)
    }

    @Test func flowMappingsStayValid() throws {
        let output = try redact("labels: {instance: 'web-01:9100', team: core}\nlist: [a, 10.1.2.3, b]\n")
        let value = try YAMLDocument.parse(output).jsonValue()
        #expect(value["labels"]?["team"] == "core")
        #expect(value["list"]?.arrayValue?.count == 3)
        #expect(!output.contains("web-01"))
    }

    @Test func malformedYAMLThrowsMalformed() {
        #expect(throws: RedactionError.self) { try redact("a: 'unterminated\n") }
        #expect(throws: RedactionError.self) { try redact("a:\n\t- tab indent\n") }
    }

    @Test func emptyAndCommentOnlyStreams() throws {
        #expect(try redact("") == "")
        let comment = try redact("# contact 10.1.2.3\n")
        #expect(comment.hasPrefix("# contact 10."))
        #expect(!comment.contains("10.1.2.3"))
    }

    /// Kubernetes `env` entries name their value in a sibling key.
    @Test func namedEnvValuesAreRedacted() throws {
        let text = """
            spec:
              containers:
                - name: api
                  image: registry.example.com/pay/api:1.4.2
                  env:
                    - name: DB_PASSWORD
                      value: K8s-Env-PLANTED-Secret   # from the vault
                    - name: TENANT_ID
                      value: zenith-retail-lagos
                    - name: LOG_LEVEL
                      value: info
                    - name: SMTP_PASSWORD
                      valueFrom: {secretKeyRef: {name: smtp, key: password}}

            """
        let output = try redact(text)
        #expect(!output.contains("K8s-Env-PLANTED-Secret"), "\(output)")
        #expect(!output.contains("zenith-retail-lagos"), "\(output)")
        #expect(output.contains("value: info\n"))
        #expect(output.contains("- name: api\n"))
        #expect(output.contains("# from the vault"))
        let env = try YAMLDocument.parse(output).jsonValue()["spec"]?["containers"]?[0]?["env"]
        #expect(env?[1]?["value"]?.stringValue?.hasPrefix("tenant-") == true, "\(output)")
        #expect(env?[3]?["valueFrom"]?["secretKeyRef"]?["name"] == "smtp")
    }

    /// Prometheus and Alertmanager show configured secrets as `<secret>`; a mask is kept.
    @Test func sourceMasksAreKept() throws {
        let text = """
            # the server shows the password as <secret>
            basic_auth:
              username: scraper
              password: <secret>
            pagerduty_configs:
              - routing_key: '********'
            api_key: s3cr3t-real-value-42

            """
        let output = try redact(text)
        #expect(output.contains("  password: <secret>\n"), "\(output)")
        #expect(output.contains("routing_key: '********'"), "\(output)")
        #expect(output.contains("# the server shows the password as <secret>\n"))
        #expect(!output.contains("s3cr3t-real-value-42"))
    }

    @Test func identityFieldsUnderAnIdentifierKey() throws {
        let output = try redact("owner:\n  login: okafor-admin\n  team: sre\ntenant:\n  id: globex-ng\n  tier: gold\n")
        #expect(!output.contains("okafor-admin"), "\(output)")
        #expect(!output.contains("globex-ng"), "\(output)")
        #expect(output.contains("  team: sre\n"))
        #expect(output.contains("  tier: gold\n"))
    }

    @Test func secretFlagInAnArgumentList() throws {
        let text = """
            services:
              redis:
                command: ["redis-server", "--requirepass", "r3disPw-Lekki", "--port", "6379"]
              app:
                command:
                  - --password
                  - plain-Secret-42
                  - --log-level
                  - info

            """
        let output = try redact(text)
        #expect(!output.contains("r3disPw-Lekki"), "\(output)")
        #expect(!output.contains("plain-Secret-42"), "\(output)")
        #expect(output.contains("\"--port\", \"6379\"]"), "\(output)")
        #expect(output.contains("- info\n"))
    }
}
