import DiagRedaction
import DiagSupport
import Foundation

/// Redacts the input as YAML; when redaction succeeds, the output must parse as YAML again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    guard let output = try? FuzzSupport.redactor().redactYAML(text, file: "fuzz.yaml") else { return 0 }
    if (try? YAMLDocument.parseAll(output)) == nil {
        fatalError("redactYAML returned text that does not parse as YAML")
    }
    return 0
}
