import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Error templates keep plain-word `key=value` values such as `user=jsmith` when too few
/// distinct words were seen to call the position variable, so the bundle's redaction must
/// replace them.
struct ErrorTemplateRedactionTests {
    @Test func userWordInTemplateIsReplaced() throws {
        let document = """
            {"groups":[{"templates":[{"template":"authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=<*> user=jsmith","count":12}]}]}
            """
        let redactor = TestSupport.makeRedactor()
        let output = redactor.redactJSON(try JSONValue.parse(Data(document.utf8)), file: "logs/error-types.json")
        let text = String(decoding: output.serialized(), as: UTF8.self)

        #expect(!text.contains("jsmith"))
        #expect(text.contains("authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=<*> user="))
        #expect(redactor.report.total(for: "user-id") == 1)
    }
}

/// YAML local tags are text the author wrote, and a password typed after `key: !` is a tag.
struct YAMLTagRedactionTests {
    @Test func secretWrittenAsTagIsReplaced() throws {
        let yaml = "secureJsonData:\n  basicAuthPassword: !NFtOWb5Es0\n  note: !ops-jane@acme-corp.com on call\nkind: !!str plain\n"
        let output = try TestSupport.makeRedactor().redactYAML(yaml, file: "datasources.yml")

        #expect(!output.contains("NFtOWb5Es0"))
        #expect(!output.contains("jane@acme-corp.com"))
        #expect(output.contains("kind: !!str plain"))
        #expect(output.hasPrefix("secureJsonData:\n  basicAuthPassword: "))
    }
}

/// Messages for a ruleset file checked on its own that is only a layer, or not YAML at all.
struct RulesetFileMessageTests {
    @Test func layerCheckedAloneNamesTheFix() throws {
        let folder = try TestSupport.temporaryFolder()
        let layer = folder.appendingPathComponent("site-rules.yaml")
        try "version: 1\nid: site\ndescription: Site words.\nkeywords: [Ikeja]\n".write(to: layer, atomically: true, encoding: .utf8)

        #expect {
            _ = try Ruleset.load(default: layer)
        } throws: { error in
            "\(error)".contains("--extra-rules \(layer.path)")
        }
    }

    @Test func textFileErrorNamesALocation() throws {
        let folder = try TestSupport.temporaryFolder()
        let text = folder.appendingPathComponent("incident.log")
        try "line one\nline two\n  : broken [\n".write(to: text, atomically: true, encoding: .utf8)

        #expect {
            _ = try Ruleset.load(default: text)
        } throws: { error in
            !"\(error)".contains("(,") && "\(error)".contains(text.path)
        }
    }
}
