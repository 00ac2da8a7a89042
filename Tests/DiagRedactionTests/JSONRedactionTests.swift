import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Structure-aware JSON redaction and label sets.
struct JSONRedactionTests {
    func redact(_ text: String) throws -> JSONValue {
        TestSupport.makeRedactor().redactJSON(try JSONValue.parse(text), file: "test.json")
    }

    @Test func labelSetsAreRedactedByLabelName() throws {
        let value = try redact("""
            {"data": {"result": [{"metric": {"__name__": "up", "instance": "10.1.2.3:9100", "job": "node",
              "tenant_id": "acme-corp", "pod": "api-7f9c"}, "value": [1733340000, "1"]}]}}
            """)
        let metric = try #require(value["data"]?["result"]?[0]?["metric"])
        #expect(metric["__name__"] == "up")
        #expect(metric["job"] == "node")
        #expect(metric["instance"]?.stringValue?.hasPrefix("10.") == true)
        #expect(metric["instance"] != "10.1.2.3:9100")
        #expect(metric["tenant_id"]?.stringValue?.hasPrefix("tenant-") == true)
        #expect(metric["pod"]?.stringValue?.hasPrefix("host-") == true)
        #expect(value["data"]?["result"]?[0]?["value"] == [1733340000, "1"])
    }

    /// The key one level up names the value: Spring's actuator `/env`, Terraform outputs and the
    /// Elasticsearch query forms. Spring's `origin` phrase names no host and stays.
    @Test func valueFieldTakesTheRuleOfTheKeyAbove() throws {
        let value = try redact(#"""
            {"properties": {
              "DB_USER": {"value": "payments_rw", "origin": "System Environment Property \"DB_USER\""},
              "HOSTNAME": {"value": "payments-api-7d9f8c6b5-x2k4p", "origin": "System Environment Property \"HOSTNAME\""},
              "MOMO_SUBSCRIPTION_KEY": {"value": "3f9e8d7c6b5a49382716f5e4d3c2b1a0"}},
             "outputs": {"db_password": {"sensitive": true, "type": "string", "value": "Tf-Rds-M4ster-2026!"}},
             "query": {"bool": {"filter": [{"term": {"tenant_id": {"value": "tnt-zenith-coop-0107"}}},
               {"match": {"full_name": {"query": "Ngozi Chukwuemeka"}}}]}}}
            """#)
        let properties = try #require(value["properties"])
        #expect(properties["DB_USER"]?["value"]?.stringValue?.hasPrefix("user-") == true)
        #expect(properties["HOSTNAME"]?["value"]?.stringValue?.hasPrefix("host-") == true)
        #expect(properties["MOMO_SUBSCRIPTION_KEY"]?["value"]?.stringValue?.hasPrefix("<redacted:") == true)
        #expect(properties["DB_USER"]?["origin"] == #"System Environment Property "DB_USER""#)
        #expect(value["outputs"]?["db_password"]?["value"]?.stringValue?.hasPrefix("<redacted:secret-value:") == true)
        #expect(value["outputs"]?["db_password"]?["sensitive"] == true)
        let filters = try #require(value["query"]?["bool"]?["filter"])
        #expect(filters[0]?["term"]?["tenant_id"]?["value"]?.stringValue?.hasPrefix("tenant-") == true)
        #expect(filters[1]?["match"]?["full_name"]?["query"] != "Ngozi Chukwuemeka")
    }

    @Test func numbersAndBooleansUnderKeys() throws {
        let value = try redact(#"{"user_id": 42, "password": true, "token": null, "account_id": 1.5}"#)
        #expect(value["user_id"]?.stringValue?.hasPrefix("user-") == true)
        #expect(value["password"] == true)
        #expect(value["token"] == .null)
        #expect(value["account_id"]?.stringValue?.hasPrefix("customer-") == true)
    }

    @Test func objectKeysAreScanned() throws {
        let value = try redact(#"{"byOwner": {"jane@acme-corp.com": 3, "10.1.2.3": 1}}"#)
        let keys = try #require(value["byOwner"]?.objectValue?.keys)
        #expect(keys.count == 2)
        #expect(!keys.contains("jane@acme-corp.com"))
        #expect(!keys.contains("10.1.2.3"))
    }

    @Test func embeddedJSONIsRedactedRecursively() throws {
        let value = try redact(#"{"body": "{\"tenant_id\": \"acme-corp\", \"n\": 1}"}"#)
        let body = try #require(value["body"]?.stringValue)
        let inner = try JSONValue.parse(body)
        #expect(inner["tenant_id"]?.stringValue?.hasPrefix("tenant-") == true)
        #expect(inner["n"] == 1)
    }

    @Test func configurationYAMLInsideJSON() throws {
        let yaml = "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['web-01:9100']\n"
        let value = TestSupport.makeRedactor().redactJSON(["status": "success", "data": ["yaml": .string(yaml)]], file: "x")
        let text = try #require(value["data"]?["yaml"]?.stringValue)
        #expect(!text.contains("web-01"))
        #expect(text.contains("scrape_interval: 15s"))
        #expect(text.contains("- job_name: node"))
    }

    @Test func proseMentionsOfLabelValuesAreReplaced() throws {
        let value = try redact("""
            {"labels": {"tenant_id": "acme-corp", "host": "web-01"},
             "annotations": {"summary": "tenant acme-corp on web-01 is over quota"}}
            """)
        let summary = try #require(value["annotations"]?["summary"]?.stringValue)
        #expect(!summary.contains("acme-corp"))
        #expect(!summary.contains("web-01"))
        #expect(summary.hasPrefix("tenant tenant-"))
        #expect(summary.contains(" is over quota"))
        #expect(summary.contains(value["labels"]!["tenant_id"]!.stringValue!))
    }

    @Test func redactLabelsHandlesNamesAndValues() {
        let redactor = TestSupport.makeRedactor()
        let output = redactor.redactLabels(
            ["instance": "localhost:9090", "tenant_id": "acme-corp", "job": "prometheus", "owner_email": "jane@acme.com"],
            file: "series.json")
        #expect(output["instance"] == "localhost:9090")
        #expect(output["job"] == "prometheus")
        #expect(output["tenant_id"]?.hasPrefix("tenant-") == true)
        #expect(output["owner_email"]?.hasPrefix("user-") == true)
        #expect(redactor.report.counts["tenant-id"]?["series.json"] == 1)
    }

    @Test func regexMatchersKeepAlternatives() {
        let output = TestSupport.makeRedactor().redactText(#"up{tenant_id=~"acme|globex|.*-corp"}"#, file: "x")
        let inner = output.split(separator: "\"")[1]
        let parts = inner.split(separator: "|")
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { $0.hasPrefix("tenant-") })
    }
}

extension JSONRedactionTests {
    @Test func namedPairsAreRedactedByTheirName() throws {
        let value = try redact("""
            {"matchers": [{"name": "tenant_id", "value": "acme-corp", "isRegex": false},
                          {"name": "severity", "value": "critical", "isRegex": false}],
             "createdBy": "jane.doe", "comment": "maintenance for tenant acme-corp",
             "tags": [{"key": "user_id", "type": "string", "value": "u-48213"}, {"key": "http.status_code", "type": "int64", "value": 503}]}
            """)
        #expect(value["matchers"]?[0]?["value"]?.stringValue?.hasPrefix("tenant-") == true)
        #expect(value["matchers"]?[0]?["name"] == "tenant_id")
        #expect(value["matchers"]?[1]?["value"] == "critical")
        #expect(value["createdBy"]?.stringValue?.hasPrefix("user-") == true)
        #expect(value["comment"]?.stringValue?.contains("acme-corp") == false)
        #expect(value["tags"]?[0]?["value"]?.stringValue?.hasPrefix("user-") == true)
        #expect(value["tags"]?[1]?["value"] == 503)
    }

    @Test func typedCredentialPairsAreRedacted() throws {
        let value = try redact("""
            {"clusters": [{"name": "c1", "creds": [{"type": "token", "value": "nested-arr-S3cret-PLANT"},
                                                  {"type": "gauge", "value": "steady"}]}]}
            """)
        let creds = value["clusters"]?[0]?["creds"]
        #expect(creds?[0]?["value"]?.stringValue?.hasPrefix("<redacted:") == true, "\(value)")
        #expect(creds?[0]?["type"] == "token")
        #expect(creds?[1]?["value"] == "steady")
        #expect(value["clusters"]?[0]?["name"] == "c1")
    }

    @Test func identityFieldsUnderAnIdentifierKey() throws {
        let value = try redact("""
            {"user": {"id": "usr_5061728", "name": "Ngozi Eze", "plan": "gold", "age_days": 31},
             "tenant": {"id": "globex-ng", "region": "af-west-1"}, "id": "req-77"}
            """)
        #expect(value["user"]?["id"]?.stringValue?.hasPrefix("user-") == true, "\(value)")
        #expect(value["user"]?["name"]?.stringValue?.hasPrefix("user-") == true, "\(value)")
        #expect(value["user"]?["plan"] == "gold")
        #expect(value["user"]?["age_days"] == 31)
        #expect(value["tenant"]?["id"]?.stringValue?.hasPrefix("tenant-") == true, "\(value)")
        #expect(value["tenant"]?["region"] == "af-west-1")
        #expect(value["id"] == "req-77")
    }

    @Test func secretFlagInAnArgumentList() throws {
        let value = try redact(#"{"args": ["--token", "tok-Abc123xyz", "--verbose", "--user", "deploy"]}"#)
        let args = value["args"]?.arrayValue ?? []
        #expect(args.count == 5)
        #expect(args.first == "--token")
        #expect(args.dropFirst().first?.stringValue?.hasPrefix("<redacted:") == true, "\(value)")
        #expect(args.dropFirst(2).first == "--verbose")
        #expect(args.last == "deploy", "a flag that names no secret leaves its value alone: \(value)")
    }
}
