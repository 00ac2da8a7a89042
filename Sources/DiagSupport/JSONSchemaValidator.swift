import Foundation

/// Validates JSON values against the JSON Schema (draft 2020-12) documents in `Schemas/`.
///
/// It implements the keywords those schemas use: `type`, `enum`, `const`, `properties`,
/// `required`, `additionalProperties`, `patternProperties`, `propertyNames`, `items`,
/// `prefixItems`, `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength`, `pattern`,
/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `allOf`, `anyOf`, `oneOf`, `not`,
/// `if`/`then`/`else`, and `$ref` to `#`, `#/$defs/...` or another schema file in the same folder.
/// NOTE: `format`, `dependentSchemas`, `unevaluated*` and `$dynamicRef` are ignored, so a schema that
/// relies on them is checked less strictly here than by Python's `jsonschema`.
public final class JSONSchemaValidator {
    /// One place where a value breaks its schema.
    public struct Violation: Equatable, Sendable, CustomStringConvertible {
        /// JSON Pointer to the value, such as `/rules/3/id`; empty for the root.
        public var path: String
        public var message: String
        public var description: String { "at '\(path.isEmpty ? "/" : path)': \(message)" }
    }

    private let folder: URL?
    private var documents: [String: JSONValue] = [:]
    private var patterns: [String: PCRE2Regex] = [:]

    /// Creates a validator that resolves `$ref` to other files in `folder`.
    public init(schemaFolder folder: URL?) {
        self.folder = folder
    }

    /// Validates `value` against the schema file `name` in the schema folder.
    public func validate(_ value: JSONValue, schemaFile name: String) throws -> [Violation] {
        let schema = try load(name)
        var violations: [Violation] = []
        check(value, against: schema, root: schema, path: "", into: &violations)
        return violations
    }

    /// Validates `value` against an in-memory schema; `$ref` to other files needs a schema folder.
    public func validate(_ value: JSONValue, schema: JSONValue) -> [Violation] {
        var violations: [Violation] = []
        check(value, against: schema, root: schema, path: "", into: &violations)
        return violations
    }

    private func load(_ name: String) throws -> JSONValue {
        if let cached = documents[name] { return cached }
        guard let folder else { throw DiagError.configuration("no schema folder to load \(name) from") }
        let url = folder.appendingPathComponent(name)
        let schema = try JSONValue.parse(try FileSafety.read(url))
        documents[name] = schema
        return schema
    }

    private func check(_ value: JSONValue, against schema: JSONValue, root: JSONValue, path: String, into out: inout [Violation]) {
        if case .bool(let accept) = schema {
            if !accept { out.append(Violation(path: path, message: "no value is allowed here")) }
            return
        }
        guard let keywords = schema.objectValue else { return }

        if let reference = keywords["$ref"]?.stringValue {
            if let (target, targetRoot) = resolve(reference, root: root) {
                check(value, against: target, root: targetRoot, path: path, into: &out)
            } else {
                out.append(Violation(path: path, message: "schema reference \(reference) cannot be resolved"))
            }
        }
        checkType(value, keywords, path: path, into: &out)
        if let allowed = keywords["enum"]?.arrayValue, !allowed.contains(where: { Self.equal($0, value) }) {
            out.append(Violation(path: path, message: "\(Self.brief(value)) is not one of \(Self.brief(.array(allowed)))"))
        }
        if let constant = keywords["const"], !Self.equal(constant, value) {
            out.append(Violation(path: path, message: "\(Self.brief(value)) is not \(Self.brief(constant))"))
        }
        switch value {
        case .object(let members): checkObject(members, keywords, root: root, path: path, into: &out)
        case .array(let items): checkArray(items, keywords, root: root, path: path, into: &out)
        case .string(let text): checkString(text, keywords, path: path, into: &out)
        case .int, .double: checkNumber(value.doubleValue ?? 0, keywords, path: path, into: &out)
        default: break
        }
        checkCombinators(value, keywords, root: root, path: path, into: &out)
    }

    private func checkType(_ value: JSONValue, _ keywords: [String: JSONValue], path: String, into out: inout [Violation]) {
        guard let typeValue = keywords["type"] else { return }
        let types = typeValue.arrayValue?.compactMap(\.stringValue) ?? [typeValue.stringValue ?? ""]
        let matches = types.contains { type in
            switch (type, value) {
            case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
            case ("number", .int), ("number", .double), ("integer", .int): return true
            case ("integer", .double(let number)): return number == number.rounded()
            default: return false
            }
        }
        if !matches {
            out.append(Violation(path: path, message: "\(Self.brief(value)) is not of type \(types.joined(separator: " or "))"))
        }
    }

    private func checkObject(
        _ members: [String: JSONValue], _ keywords: [String: JSONValue], root: JSONValue, path: String, into out: inout [Violation]
    ) {
        for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
            out.append(Violation(path: path, message: "required property '\(name)' is missing"))
        }
        let properties = keywords["properties"]?.objectValue ?? [:]
        let patternProperties = keywords["patternProperties"]?.objectValue ?? [:]
        for name in members.keys.sorted() {
            let member = members[name]!
            let memberPath = path + "/" + Self.escape(name)
            var covered = false
            if let schema = properties[name] {
                covered = true
                check(member, against: schema, root: root, path: memberPath, into: &out)
            }
            for (pattern, schema) in patternProperties where regex(pattern)?.matches(name) == true {
                covered = true
                check(member, against: schema, root: root, path: memberPath, into: &out)
            }
            if !covered, let additional = keywords["additionalProperties"] {
                if additional == .bool(false) {
                    out.append(Violation(path: path, message: "property '\(name)' is not allowed"))
                } else {
                    check(member, against: additional, root: root, path: memberPath, into: &out)
                }
            }
            if let names = keywords["propertyNames"] {
                check(.string(name), against: names, root: root, path: memberPath, into: &out)
            }
        }
        if let minimum = keywords["minProperties"]?.intValue, members.count < minimum {
            out.append(Violation(path: path, message: "needs at least \(minimum) properties"))
        }
    }

    private func checkArray(
        _ items: [JSONValue], _ keywords: [String: JSONValue], root: JSONValue, path: String, into out: inout [Violation]
    ) {
        let prefix = keywords["prefixItems"]?.arrayValue ?? []
        for (index, item) in items.enumerated() {
            if index < prefix.count {
                check(item, against: prefix[index], root: root, path: "\(path)/\(index)", into: &out)
            } else if let schema = keywords["items"] {
                check(item, against: schema, root: root, path: "\(path)/\(index)", into: &out)
            }
        }
        if let minimum = keywords["minItems"]?.intValue, items.count < minimum {
            out.append(Violation(path: path, message: "has \(items.count) items, needs at least \(minimum)"))
        }
        if let maximum = keywords["maxItems"]?.intValue, items.count > maximum {
            out.append(Violation(path: path, message: "has \(items.count) items, allows at most \(maximum)"))
        }
        if keywords["uniqueItems"] == .bool(true) {
            for (index, item) in items.enumerated() where items[..<index].contains(where: { Self.equal($0, item) }) {
                out.append(Violation(path: "\(path)/\(index)", message: "duplicates an earlier item"))
            }
        }
    }

    private func checkString(_ text: String, _ keywords: [String: JSONValue], path: String, into out: inout [Violation]) {
        let length = text.unicodeScalars.count
        if let minimum = keywords["minLength"]?.intValue, length < minimum {
            out.append(Violation(path: path, message: "is shorter than \(minimum) characters"))
        }
        if let maximum = keywords["maxLength"]?.intValue, length > maximum {
            out.append(Violation(path: path, message: "is longer than \(maximum) characters"))
        }
        if let pattern = keywords["pattern"]?.stringValue {
            if let compiled = regex(pattern) {
                if !compiled.matches(text) {
                    out.append(Violation(path: path, message: "\(Self.brief(.string(text))) does not match \(pattern)"))
                }
            } else {
                out.append(Violation(path: path, message: "the schema's pattern \(pattern) does not compile"))
            }
        }
    }

    private func checkNumber(_ number: Double, _ keywords: [String: JSONValue], path: String, into out: inout [Violation]) {
        if let minimum = keywords["minimum"]?.doubleValue, number < minimum {
            out.append(Violation(path: path, message: "\(number) is less than \(minimum)"))
        }
        if let maximum = keywords["maximum"]?.doubleValue, number > maximum {
            out.append(Violation(path: path, message: "\(number) is greater than \(maximum)"))
        }
        if let minimum = keywords["exclusiveMinimum"]?.doubleValue, number <= minimum {
            out.append(Violation(path: path, message: "\(number) is not greater than \(minimum)"))
        }
        if let maximum = keywords["exclusiveMaximum"]?.doubleValue, number >= maximum {
            out.append(Violation(path: path, message: "\(number) is not less than \(maximum)"))
        }
    }

    private func checkCombinators(
        _ value: JSONValue, _ keywords: [String: JSONValue], root: JSONValue, path: String, into out: inout [Violation]
    ) {
        for schema in keywords["allOf"]?.arrayValue ?? [] {
            check(value, against: schema, root: root, path: path, into: &out)
        }
        if let options = keywords["anyOf"]?.arrayValue, !options.contains(where: { passes(value, $0, root: root) }) {
            out.append(Violation(path: path, message: "matches none of the allowed forms (anyOf)"))
        }
        if let options = keywords["oneOf"]?.arrayValue {
            let count = options.filter { passes(value, $0, root: root) }.count
            if count != 1 {
                out.append(Violation(path: path, message: "matches \(count) of the forms in oneOf, expected exactly 1"))
            }
        }
        if let negated = keywords["not"], passes(value, negated, root: root) {
            out.append(Violation(path: path, message: "matches a form that is not allowed (not)"))
        }
        if let condition = keywords["if"] {
            let branch = passes(value, condition, root: root) ? keywords["then"] : keywords["else"]
            if let branch { check(value, against: branch, root: root, path: path, into: &out) }
        }
    }

    private func passes(_ value: JSONValue, _ schema: JSONValue, root: JSONValue) -> Bool {
        var violations: [Violation] = []
        check(value, against: schema, root: root, path: "", into: &violations)
        return violations.isEmpty
    }

    /// Resolves `#`, `#/$defs/name` (any JSON Pointer) and `file.json` or `file.json#/pointer`.
    private func resolve(_ reference: String, root: JSONValue) -> (JSONValue, JSONValue)? {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var document = root
        if let file = parts.first, !file.isEmpty {
            let name = URL(fileURLWithPath: file).lastPathComponent
            guard let loaded = try? load(name) else { return nil }
            document = loaded
        }
        var target = document
        if parts.count > 1, !parts[1].isEmpty {
            for token in parts[1].split(separator: "/", omittingEmptySubsequences: true) {
                let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                if let member = target[key] {
                    target = member
                } else if let index = Int(key), let item = target[index] {
                    target = item
                } else {
                    return nil
                }
            }
        }
        return (target, document)
    }

    private func regex(_ pattern: String) -> PCRE2Regex? {
        if let cached = patterns[pattern] { return cached }
        guard let compiled = try? PCRE2Regex(pattern) else { return nil }
        patterns[pattern] = compiled
        return compiled
    }

    /// JSON Schema equality: numbers compare by value, so `1` equals `1.0`.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.int, .double), (.double, .int): return lhs.doubleValue == rhs.doubleValue
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (.object(let left), .object(let right)):
            return left.count == right.count && left.allSatisfy { key, value in right[key].map { equal(value, $0) } ?? false }
        default: return lhs == rhs
        }
    }

    static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func brief(_ value: JSONValue) -> String {
        let text = value.serializedString(pretty: false)
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
