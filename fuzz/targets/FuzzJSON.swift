import DiagRedaction
import DiagSupport
import Foundation

/// Redacts the input as a JSON document, as JSON Lines and as text; redacted JSON must parse again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Data(UnsafeBufferPointer(start: data, count: size))
    let redactor = FuzzSupport.redactor()
    if let value = try? JSONValue.parse(input) {
        let output = redactor.redactJSON(value, file: "fuzz.json").serialized()
        if (try? JSONValue.parse(output)) == nil {
            fatalError("redactJSON returned a value whose serialization does not parse")
        }
    }
    if let output = try? redactor.redactFile(name: "fuzz.jsonl", data: input), output.isEmpty != input.isEmpty {
        fatalError("redactFile emptied or invented a JSON Lines file")
    }
    _ = try? redactor.redactFile(name: "fuzz.log", data: input)
    return 0
}
