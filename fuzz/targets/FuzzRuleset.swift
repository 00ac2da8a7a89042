import DiagRedaction
import Foundation

/// Parses the input as a ruleset layer; a ruleset that loads must compile and redact a sample.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRuleset(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let ruleset = try? Ruleset.parse(text, source: "fuzz") else { return 0 }
    guard !ruleset.enabledRules.isEmpty || !ruleset.keywords.isEmpty else { return 0 }

    let redactor = Redactor(ruleset: ruleset, pseudonymizer: Pseudonymizer(secret: [UInt8](repeating: 7, count: 32)))
    _ = redactor.redactText("tenant_id=acme-7 from 10.1.2.3 password: hunter2 jane@acme-corp.com", file: "sample.log")
    _ = try? redactor.redactYAML("a: b\nuser_id: 42\n", file: "sample.yaml")
    return 0
}
