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
