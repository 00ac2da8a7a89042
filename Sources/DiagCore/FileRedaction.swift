import DiagSupport
import Foundation

/// Redacts a whole file by its kind: JSON and YAML structure-aware and in their own layout,
/// anything else as text.
///
/// Fails closed: binary data (a NUL byte), invalid UTF-8 and malformed JSON or YAML throw, and the
/// caller leaves the file out instead of writing it.
public enum FileRedaction {
    public static func redact(name: String, data: Data, redactor: any DocumentRedacting) throws -> Data {
        if data.contains(0) {
            throw DiagError.data("\(name) is binary (it contains NUL bytes); only text can be redacted")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagError.data("\(name) is not valid UTF-8; only UTF-8 text can be redacted")
        }
        switch URL(fileURLWithPath: name).pathExtension.lowercased() {
        case "json":
            let value: JSONValue
            do {
                value = try JSONValue.parse(data)
            } catch {
                throw DiagError.data("\(name): \(error.operatorMessage)")
            }
            return redactor.redactJSON(value, file: name, inLayoutOf: data)
        case "yaml", "yml":
            do {
                return Data(try redactor.redactYAML(text, file: name).utf8)
            } catch {
                throw DiagError.data("\(name): \(error.operatorMessage)")
            }
        default:
            return Data(redactor.redactText(text, file: name).utf8)
        }
    }
}
