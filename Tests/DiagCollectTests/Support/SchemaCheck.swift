import DiagSupport
import Foundation

/// Validates JSON values against the subset of JSON Schema 2020-12 that the files in `Schemas/`
/// use: type, const, enum, required, properties, additionalProperties, items, prefixItems,
/// min/maxItems, uniqueItems, min/maxLength, minimum, pattern, anyOf and local `$ref`s.
///
/// An unknown keyword is reported as an error, so a schema cannot silently outgrow this checker.
struct SchemaCheck {
    let root: JSONValue

    static let supported: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "title", "description", "type", "const", "enum", "required",
        "properties", "additionalProperties", "items", "prefixItems", "minItems", "maxItems", "uniqueItems",
        "minLength", "maxLength", "minimum", "pattern", "anyOf",
    ]

    static func load(_ name: String) throws -> SchemaCheck {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return SchemaCheck(root: try JSONValue.parse(Data(contentsOf: root.appendingPathComponent("Schemas/\(name)"))))
    }

    /// Returns every violation as `path: problem`; an empty list means the value is valid.
    func errors(_ value: JSONValue) -> [String] {
        var found: [String] = []
        check(value, against: root, at: "$", into: &found)
        return found
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = root
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }

    private static func isType(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
        case ("number", .int), ("number", .double), ("integer", .int): return true
        case ("integer", .double(let number)): return number == number.rounded()
        default: return false
        }
    }

    private func check(_ value: JSONValue, against schema: JSONValue, at path: String, into found: inout [String]) {
        guard let keywords = schema.objectValue else {
            if schema == false { found.append("\(path): no value is allowed here") }
            return
        }
        for key in keywords.keys where !Self.supported.contains(key) {
            found.append("\(path): schema keyword \(key) is not supported by SchemaCheck")
        }
        if let reference = keywords["$ref"]?.stringValue {
            if let target = resolve(reference) {
                check(value, against: target, at: path, into: &found)
            } else {
                found.append("\(path): unresolved $ref \(reference)")
            }
        }
        if let type = keywords["type"] {
            let names = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""]
            if !names.contains(where: { Self.isType(value, $0) }) {
                found.append("\(path): expected \(names.joined(separator: " or "))")
                return
            }
        }
        if let constant = keywords["const"], constant != value { found.append("\(path): must equal \(constant)") }
        if let options = keywords["enum"]?.arrayValue, !options.contains(value) { found.append("\(path): not one of the enum values") }
        if let options = keywords["anyOf"]?.arrayValue {
            let passes = options.contains { option in
                var scratch: [String] = []
                check(value, against: option, at: path, into: &scratch)
                return scratch.isEmpty
            }
            if !passes { found.append("\(path): matches none of anyOf") }
        }

        switch value {
        case .object(let members):
            for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                found.append("\(path): missing required \(name)")
            }
            let properties = keywords["properties"]?.objectValue ?? [:]
            for (name, member) in members {
                if let property = properties[name] {
                    check(member, against: property, at: "\(path).\(name)", into: &found)
                } else if let additional = keywords["additionalProperties"] {
                    check(member, against: additional, at: "\(path).\(name)", into: &found)
                }
            }
        case .array(let items):
            if let minimum = keywords["minItems"]?.intValue, items.count < minimum { found.append("\(path): fewer than \(minimum) items") }
            if let maximum = keywords["maxItems"]?.intValue, items.count > maximum { found.append("\(path): more than \(maximum) items") }
            if keywords["uniqueItems"] == true, Set(items.map { $0.serializedString(pretty: false) }).count != items.count {
                found.append("\(path): items are not unique")
            }
            let prefix = keywords["prefixItems"]?.arrayValue ?? []
            for (index, item) in items.enumerated() {
                if index < prefix.count {
                    check(item, against: prefix[index], at: "\(path)[\(index)]", into: &found)
                } else if let itemSchema = keywords["items"] {
                    check(item, against: itemSchema, at: "\(path)[\(index)]", into: &found)
                }
            }
        case .string(let text):
            if let minimum = keywords["minLength"]?.intValue, text.count < minimum { found.append("\(path): shorter than \(minimum)") }
            if let maximum = keywords["maxLength"]?.intValue, text.count > maximum { found.append("\(path): longer than \(maximum)") }
            if let pattern = keywords["pattern"]?.stringValue, text.range(of: pattern, options: .regularExpression) == nil {
                found.append("\(path): does not match \(pattern)")
            }
        case .int, .double:
            if let minimum = keywords["minimum"]?.doubleValue, let number = value.doubleValue, number < minimum {
                found.append("\(path): less than \(minimum)")
            }
        default:
            break
        }
    }
}
