@testable import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Secrets whose names give only their purpose: the members of a mapping under a secret-named key
/// (Consul's ACL tokens, in JSON, YAML and HCL), the attributes that a Terraform state marks
/// sensitive, and a PIN typed into a USSD menu.
struct SecretHolderTests {
    let agentToken = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"
    let defaultToken = "c7d8e9f0-a1b2-4c3d-8e4f-5a6b7c8d9e0f"

    @Test func consulTokensInJSONAreReplaced() throws {
        let redactor = TestSupport.makeRedactor()
        let value = redactor.redactJSON(
            try JSONValue.parse(
                #"{"acl": {"enabled": true, "default_policy": "deny", "tokens": {"agent": "\#(agentToken)", "default": "\#(defaultToken)"}}}"#),
            file: "consul.json")
        let tokens = try #require(value["acl"]?["tokens"])
        #expect(tokens["agent"]?.stringValue?.hasPrefix("<redacted:secret-value:") == true)
        #expect(tokens["default"]?.stringValue?.hasPrefix("<redacted:secret-value:") == true)
        #expect(value["acl"]?["enabled"] == true)
        #expect(value["acl"]?["default_policy"] == "deny")
    }

    @Test func consulTokensInYAMLAreReplaced() throws {
        let output = try TestSupport.makeRedactor().redactYAML(
            "acl:\n  enabled: true\n  tokens:\n    agent: \(agentToken)\n    default: \(defaultToken)\n", file: "consul.yml")
        #expect(!output.contains(agentToken))
        #expect(!output.contains(defaultToken))
        #expect(output.contains("    agent: <redacted:secret-value:"))
        #expect(output.contains("  enabled: true\n"))
    }

    @Test func consulTokensInHCLAreReplaced() throws {
        let text = """
            acl {
              enabled = true
              default_policy = "deny"
              tokens {
                agent   = "\(agentToken)"
                default = \(defaultToken)
              }
            }
            datacenter = "lagos-1"

            """
        let output = TestSupport.makeRedactor().redactText(text, file: "consul.hcl")
        #expect(!output.contains(agentToken))
        #expect(!output.contains(defaultToken))
        #expect(output.contains("    agent   = \"<redacted:secret-value:"))
        #expect(output.contains("  default_policy = \"deny\""))
        #expect(output.contains("  tokens {\n"), "the block's opening line stays as it is")
        #expect(output.contains("datacenter = \"lagos-1\""), "an attribute after the block is outside it")
    }

    /// Members of such a mapping that name a setting of the secret, and values shaped like
    /// settings, stay, because support needs to see how the secret is used.
    @Test func settingsUnderSecretKeysStay() throws {
        let redactor = TestSupport.makeRedactor()
        let value = redactor.redactJSON(
            try JSONValue.parse(#"""
                {"env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "payments-db", "key": "password", "optional": false}}}],
                 "credentials": {"region": "eu-west-1", "ttl": "24h", "version": "v2.14.1", "created": "2026-11-30T08:00:00Z",
                   "issuer": "https://login.example.com", "mount": "kv", "rotated_secret": "Zx81-Qw7m-Lp20-Tr55"}}
                """#),
            file: "test.json")
        let reference = try #require(value["env"]?[0]?["valueFrom"]?["secretKeyRef"])
        #expect(reference["name"] == "payments-db")
        #expect(reference["key"] == "password")
        let credentials = try #require(value["credentials"])
        #expect(credentials["region"] == "eu-west-1")
        #expect(credentials["ttl"] == "24h")
        #expect(credentials["version"] == "v2.14.1")
        #expect(credentials["created"] == "2026-11-30T08:00:00Z")
        #expect(credentials["issuer"]?.stringValue?.hasPrefix("https://") == true, "a URL goes through the URL rules only")
        #expect(credentials["mount"] == "kv", "a short word is no secret")
        #expect(credentials["rotated_secret"]?.stringValue?.hasPrefix("<redacted:secret-value:") == true)
    }

    @Test func secretShapes() {
        #expect(Redactor.isSecretShaped(agentToken))
        #expect(Redactor.isSecretShaped("kQ7_vX2@pL9%mN4zR8tY1wE5"))
        #expect(Redactor.isSecretShaped("onlylettersbutlong"))
        #expect(Redactor.isSecretShaped("short1"), "six bytes with a letter and a digit are the least")
        #expect(!Redactor.isSecretShaped("shrt1"))
        #expect(!Redactor.isSecretShaped("letters"))
        #expect(!Redactor.isSecretShaped("/etc/consul.d/agent.token"))
        #expect(!Redactor.isSecretShaped("us-central1-a"))
        #expect(!Redactor.isSecretShaped("1h30m"))
        #expect(!Redactor.isSecretShaped("with space 123"))
        #expect(!Redactor.isSecretShaped("${CONSUL_TOKEN}"))
        #expect(Redactor.namesSetting("token_ttl"))
        #expect(Redactor.namesSetting("secretKeyRef.key"))
        #expect(Redactor.namesSetting("authType"))
        #expect(!Redactor.namesSetting("agent"))
        #expect(!Redactor.namesSetting("agent_recovery"))
    }

    /// `random_password` keeps its password in `result` and the state lists no sensitive
    /// attribute for it; another resource's `sensitive_attributes` names its own.
    @Test func terraformStateSecretsAreReplaced() throws {
        let state = #"""
            {"version": 4, "terraform_version": "1.6.2", "resources": [
              {"mode": "managed", "type": "random_password", "name": "db", "instances": [
                {"schema_version": 3, "sensitive_attributes": [],
                 "attributes": {"id": "none", "length": 24, "special": true, "override_special": "_%@",
                   "result": "kQ7_vX2@pL9%mN4zR8tY1wE5", "bcrypt_hash": "$2a$10$6Nh0mJz7.Ew5yq8pQ1aZ3eDq9fTq0vXz1wYb2cHk3lM4nO5pQ6rS7"}}]},
              {"mode": "managed", "type": "vendor_webhook", "name": "alerts", "instances": [
                {"schema_version": 0,
                 "sensitive_attributes": [[{"type": "get_attr", "value": "signing_phrase"}]],
                 "attributes": {"id": "wh-204", "signing_phrase": "correct horse battery staple", "events": ["alert"]}}]}]}
            """#
        let value = TestSupport.makeRedactor().redactJSON(try JSONValue.parse(state), file: "terraform.tfstate")
        let password = try #require(value["resources"]?[0]?["instances"]?[0]?["attributes"])
        #expect(password["result"]?.stringValue?.hasPrefix("<redacted:") == true)
        #expect(password["bcrypt_hash"]?.stringValue?.hasPrefix("<redacted:") == true)
        #expect(password["length"] == 24)
        #expect(password["override_special"] == "_%@")
        let webhook = try #require(value["resources"]?[1]?["instances"]?[0]?["attributes"])
        #expect(webhook["signing_phrase"]?.stringValue?.hasPrefix("<redacted:") == true)
        #expect(webhook["id"] == "wh-204")
        #expect(webhook["events"] == ["alert"])
        #expect(value["resources"]?[1]?["type"] == "vendor_webhook")
    }

    @Test func ussdPINIsReplacedOnlyAtAPINStep() {
        let redactor = TestSupport.makeRedactor()
        let text = """
            ussd session=ATUid_7f3a input="1" step=MAIN_MENU
            ussd session=ATUid_7f3a input="5000" step=AMOUNT_ENTRY
            ussd session=ATUid_7f3a input="4821" step=PIN_ENTRY
            {"state":"enter_pin","text":"7305","sessionId":"ATUid_9b1c"}

            """
        let output = redactor.redactText(text, file: "ussd.log")
        #expect(!output.contains("4821"))
        #expect(!output.contains("7305"))
        #expect(output.contains(#"input="1" step=MAIN_MENU"#))
        #expect(output.contains(#"input="5000" step=AMOUNT_ENTRY"#))
    }
}
