import DiagSupport
import Foundation

extension Redactor {
    /// Redacts a JSON document by structure. The copy of a JSON file is written in the original's
    /// layout (`redactJSONFile`).
    ///
    /// A member whose key a `keys` or `labels` rule matches has its value replaced whole (each item
    /// of an array; objects are walked). This covers label sets such as `labels`, `metric`,
    /// `groupLabels` and `commonLabels`. A pair object such as an Alertmanager matcher
    /// `{"name": "tenant_id", "value": "acme"}` or a Jaeger tag `{"key": "user_id", "value": …}`
    /// counts as a member named by its `name` or `key`. Every other string goes through `redactText`, except a
    /// string holding JSON, which is parsed and redacted recursively. Object keys go through the
    /// pattern rules, because a map may be keyed by an email or a host.
    ///
    /// In allowlist mode, a document of a file that an allowlist covers also has every string and
    /// number outside the allowlist replaced, as `Allowlist` describes.
    public func redactJSON(_ value: JSONValue, file: String) -> JSONValue {
        var log = RedactionLog(file: file)
        defer { commit(log) }
        do {
            return try redactJSONDocument(value, log: &log)
        } catch {
            log.report.add(rule: Self.engineFailureRuleID, file: file)
            return .string("<redacted:unscannable-text>")
        }
    }

    /// Redacts a JSON document that `original` contains, as `redactJSON(_:file:)` does, and returns it
    /// in the layout of `original` (`redactJSONFile`), or with sorted keys when it cannot be
    /// lined up. A document that cannot be redacted becomes one string marker, as there.
    public func redactJSON(_ value: JSONValue, file: String, inLayoutOf original: Data) -> Data {
        var log = RedactionLog(file: file)
        defer { commit(log) }
        do {
            return try redactJSONFile(value, data: original, log: &log)
        } catch {
            log.report.add(rule: Self.engineFailureRuleID, file: file)
            return JSONValue.string("<redacted:unscannable-text>").serialized()
        }
    }

    /// Redacts a whole document of the log's file, after learning the identifiers its keys name.
    func redactJSONDocument(_ value: JSONValue, log: inout RedactionLog) throws -> JSONValue {
        learn(fromJSON: value, log: &log)
        let scope = allowlistScope(for: log.file, log: &log)
        return try redactJSON(value, log: &log, depth: 0, scope: scope)
    }

    /// Redacts `value`; `childKeyRule` is the rule whose `child-keys` claimed the key above an
    /// object keyed by identifiers, and `scope` the allowlist with the path of `value`.
    func redactJSON(
        _ value: JSONValue, log: inout RedactionLog, depth: Int, childKeyRule: (rule: CompiledRule, key: String)? = nil,
        scope: AllowlistScope? = nil
    ) throws -> JSONValue {
        switch value {
        case .null, .bool:
            return value
        case .int, .double:
            if replacesNotAllowlisted(value.serializedString(pretty: false), plainStyle: false, scope: scope) {
                return .string(notAllowlisted(log: &log))
            }
            return value
        case .string(let text):
            if replacesNotAllowlisted(text, plainStyle: false, scope: scope) { return .string(notAllowlisted(log: &log)) }
            return .string(try redactJSONString(text, log: &log, depth: depth))
        case .array(let items):
            // In an argument list the item after a secret flag is that flag's value.
            var output: [JSONValue] = []
            var flagRule: (rule: CompiledRule, key: String)?
            for item in items {
                if let flagRule, case .string = item {
                    output.append(
                        try redactKeyed(item, rule: flagRule.rule, key: flagRule.key, log: &log, depth: depth + 1, scope: scope?.appending(.item)))
                } else {
                    output.append(try redactJSON(item, log: &log, depth: depth + 1, scope: scope?.appending(.item)))
                }
                flagRule = item.stringValue.flatMap(secretFlagRule)
            }
            return .array(output)
        case .object(let members):
            var output: [String: JSONValue] = [:]
            let pairRule = self.pairRule(members)
            // A Kubernetes Secret, alone or as an item of a List, claims its data values.
            let secretDataRule = kubernetesSecretRule(kind: members["kind"]?.stringValue, hasAPIVersion: members["apiVersion"] != nil)
            for key in members.keys.sorted() {
                let member = members[key]!
                let memberScope = scope?.appending(.key(key))
                var newKey = try redactText(key, log: &log, keyValues: false)
                if let childKeyRule,
                    let replaced = try replacement(
                        for: key, rule: childKeyRule.rule, context: KeyValueContext(key: childKeyRule.key), log: &log)
                {
                    newKey = replaced
                    log.report.add(rule: childKeyRule.rule.id, file: log.file)
                }
                if newKey != key { log.renamedKeys[key] = newKey }
                if let secretDataRule, key == "data" || key == "stringData", case .object(let entries) = member {
                    var data: [String: JSONValue] = [:]
                    for (name, entry) in entries {
                        let newName = try redactText(name, log: &log, keyValues: false)
                        if newName != name { log.renamedKeys[name] = newName }
                        data[newName] = try redactKeyed(
                            entry, rule: secretDataRule, key: name, log: &log, depth: depth + 2, scope: memberScope?.appending(.key(name)))
                    }
                    output[newKey] = .object(data)
                } else if key == "instances", case .array(let instances) = member, members["mode"] != nil,
                    let type = members["type"]?.stringValue, let secretRule = secretValueRule()
                {
                    output[newKey] = .array(
                        try instances.map { instance in
                            try redactTerraformInstance(
                                instance, resourceType: type, secretRule: secretRule, log: &log, depth: depth + 2,
                                scope: memberScope?.appending(.item))
                        })
                } else if Self.isPairValueKey(key), let pairRule {
                    output[newKey] = try redactKeyed(
                        member, rule: pairRule.0, key: pairRule.1, log: &log, depth: depth + 1, scope: memberScope)
                } else if let rule = compiled.rule(forKey: key) {
                    output[newKey] = try redactKeyed(member, rule: rule, key: key, log: &log, depth: depth + 1, scope: memberScope)
                } else {
                    let parentRule = compiled.rule(forParentKey: key).map { ($0, key) }
                    output[newKey] = try redactJSON(
                        member, log: &log, depth: depth + 1, childKeyRule: parentRule, scope: memberScope)
                }
            }
            return .object(output)
        }
    }

    /// Attributes in which a Terraform resource type keeps a secret, whether or not the state
    /// lists them under `sensitive_attributes`: `random_password` keeps the password it generated
    /// in `result` and its bcrypt hash in `bcrypt_hash`.
    static let terraformSecretAttributes: [String: Set<String>] = [
        "random_password": ["result", "bcrypt_hash"]
    ]

    /// Redacts one item of a Terraform state resource's `instances`. The attributes that the
    /// resource type keeps secrets in, and those that the instance's `sensitive_attributes` names
    /// (the first `get_attr` step of each path), are replaced whole with `secretRule`'s markers.
    private func redactTerraformInstance(
        _ instance: JSONValue, resourceType: String, secretRule: CompiledRule, log: inout RedactionLog, depth: Int,
        scope: AllowlistScope?
    ) throws -> JSONValue {
        guard case .object(var fields) = instance, case .object(let attributes)? = fields["attributes"] else {
            return try redactJSON(instance, log: &log, depth: depth, scope: scope)
        }
        let sensitive = Self.terraformSecretAttributes[resourceType, default: []]
            .union(Self.terraformSensitiveNames(fields["sensitive_attributes"]))
            .intersection(attributes.keys)
        guard !sensitive.isEmpty else { return try redactJSON(instance, log: &log, depth: depth, scope: scope) }

        fields["attributes"] = nil
        var output = try redactJSON(.object(fields), log: &log, depth: depth, scope: scope).objectValue ?? [:]
        let attributesScope = scope?.appending(.key("attributes"))
        var redacted =
            try redactJSON(
                .object(attributes.filter { !sensitive.contains($0.key) }), log: &log, depth: depth + 1,
                scope: attributesScope
            ).objectValue ?? [:]
        for name in sensitive.sorted() {
            redacted[name] = try redactKeyed(
                attributes[name]!, rule: secretRule, key: name, log: &log, depth: depth + 2,
                scope: attributesScope?.appending(.key(name)))
        }
        output["attributes"] = .object(redacted)
        return .object(output)
    }

    /// Returns the attribute names that a Terraform state instance's `sensitive_attributes` marks:
    /// the `value` of the first step of each path, when that step is a `get_attr`.
    static func terraformSensitiveNames(_ paths: JSONValue?) -> Set<String> {
        guard case .array(let paths)? = paths else { return [] }
        var names: Set<String> = []
        for path in paths {
            guard case .array(let steps) = path, case .object(let step)? = steps.first,
                step["type"]?.stringValue == "get_attr", let name = step["value"]?.stringValue
            else { continue }
            names.insert(name)
        }
        return names
    }

    /// Redacts a string member. JSON inside a string is parsed, redacted as JSON and written back
    /// in its own layout (compactly with sorted keys when the two do not line up). A multi-line
    /// YAML mapping or list, such as the configuration text that Prometheus and Alertmanager
    /// return, is redacted as YAML. Anything else is text.
    private func redactJSONString(_ text: String, log: inout RedactionLog, depth: Int) throws -> String {
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        if depth < JSONValue.maximumDepth, let first = trimmed.first, first == "{" || first == "[",
            let nested = try? JSONValue.parse(text)
        {
            learn(fromJSON: nested, log: &log)
            let redacted = try redactJSON(nested, log: &log, depth: depth + 1)
            if let kept = JSONValue.serialized(redacted, inLayoutOf: Data(text.utf8), renamedKeys: log.renamedKeys) {
                return String(decoding: kept, as: UTF8.self)
            }
            return redacted.serializedString(pretty: false)
        }
        if text.contains("\n"), text.contains(":"), Self.isYAMLCollection(text) {
            var attempt = log
            if let redacted = try? redactYAML(text, log: &attempt) {
                log = attempt
                return redacted
            }
        }
        return try redactText(text, log: &log)
    }

    /// Returns the secret rule that a long command-line flag such as `--requirepass` or
    /// `--password` names, with the flag's name, or nil for any other text.
    func secretFlagRule(_ text: String) -> (rule: CompiledRule, key: String)? {
        guard text.hasPrefix("--"), text.utf8.count > 3, text.utf8.count <= 64, !text.contains("=") else { return nil }
        let name = String(text.dropFirst(2))
        guard let rule = compiled.rule(forKey: name), rule.kind.isSecret else { return nil }
        return (rule, name)
    }

    /// Fields that identify the object they are in, so that under a key such as `user` or
    /// `tenant` they are replaced by that key's rule.
    static let identityFields = ["id", "uuid", "name", "slug", "login", "username"]

    /// Fields that hold the value of the key above them, whatever its kind: Spring's
    /// `"DB_PASSWORD": {"value": …, "origin": …}`, Terraform's `"db_password": {"sensitive": true,
    /// "value": …}` and the Elasticsearch query forms `{"tenant_id": {"value": …}}` and
    /// `{"full_name": {"query": …}}`.
    static let valueFields = ["value", "query"]

    /// Returns the fields of an object under a key that `rule` matched which are values of that
    /// rule. In a pair object (`{"type": "gauge", "value": …}`) the name beside `value` decides, so
    /// `value` is left to the pair rules there.
    func keyedFields(under rule: CompiledRule, pairObject: Bool) -> [String] {
        let values = pairObject ? [] : Self.valueFields
        return rule.kind.isSecret ? values : Self.identityFields + values
    }

    /// Returns whether the member `field` of a mapping under a key of the secret rule `rule` is a
    /// secret of that key: no rule names `field`, `field` is not a setting, and `value` looks like
    /// a secret. In Consul's `"tokens": {"agent": "b1c2…"}` each member is a token named for its
    /// purpose.
    func isSecretMember(_ field: String, value: String, under rule: CompiledRule) -> Bool {
        rule.kind.isSecret && compiled.rule(forKey: field) == nil && !Self.namesSetting(field)
            && Self.isSecretShaped(value)
    }

    /// Words that name a setting of a secret rather than the secret itself, as the last word of a
    /// key (`type`, `ttl`, `secretKeyRef.key`, `credentials.file`).
    static let settingWords: Set<String> = [
        "type", "kind", "method", "mode", "policy", "format", "version", "enabled", "enable", "disabled", "name",
        "names", "key", "file", "files", "path", "dir", "directory", "url", "uri", "endpoint", "host", "port",
        "timeout", "ttl", "interval", "expiry", "expiration", "expires", "lifetime", "duration", "seconds", "length",
        "count", "size", "algorithm", "provider", "scheme", "header", "region", "scope", "scopes", "audience", "issuer",
        "optional", "store", "backend", "source", "engine", "role", "description",
    ]

    /// Returns whether `key`'s last word (after `_`, `-`, `.` or a lower-to-upper case change) is
    /// one of `settingWords`.
    static func namesSetting(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        var start = 0
        for index in bytes.indices.dropFirst() {
            let byte = bytes[index]
            if byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") {
                start = index + 1
            } else if byte >= 0x41, byte <= 0x5A, bytes[index - 1] >= 0x61, bytes[index - 1] <= 0x7A {
                start = index
            }
        }
        guard start < bytes.count else { return false }
        return settingWords.contains(String(decoding: bytes[start...], as: UTF8.self).lowercased())
    }

    /// Returns whether `value` looks like a token or password rather than a setting. It has 6 to
    /// 4,096 bytes without white space, a letter, and a digit unless it has 16 bytes or more. It is
    /// not a URL, a path, a placeholder, a version, a duration, a date or a region name.
    static func isSecretShaped(_ value: String) -> Bool {
        let bytes = value.utf8
        guard bytes.count >= 6, bytes.count <= 4096, let first = bytes.first else { return false }
        if first == UInt8(ascii: "/") || first == UInt8(ascii: "~") || first == UInt8(ascii: ".")
            || first == UInt8(ascii: "$") && value.hasPrefix("${")
        {
            return false
        }
        var letters = 0
        var digits = 0
        for byte in bytes {
            if byte <= 0x20 || byte == 0x7F { return false }
            if byte >= 0x30 && byte <= 0x39 {
                digits += 1
            } else if (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A {
                letters += 1
            }
        }
        guard letters > 0, digits > 0 || bytes.count >= 16 else { return false }
        return !value.contains("://") && !settingValueShape.matches(value)
    }

    /// A version (`v1.2.3`), a duration (`90s`, `1h30m`), a date or date-time, or a region or zone
    /// name (`eu-west-1`, `us-central1-a`).
    static let settingValueShape = try! PCRE2Regex(
        #"^(?:v?[0-9]+(?:\.[0-9]+)+(?:[-+][0-9A-Za-z.-]+)?|(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|ms|s|m|h|d|w|y))+|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?|[a-z]{2,}(?:-[a-z]+)+-?[0-9]+[a-z]?(?:-[a-z])?)$"#)

    /// Returns whether an object with these keys is a pair object: it has one of `pairNameKeys`,
    /// other than a `type` that names a data type, as in Terraform's outputs (`"type": "string"`).
    /// `typeValue` is that member's text, or nil when it is not text.
    static func isPairObject(keys: Set<String>, typeValue: String?) -> Bool {
        pairNameKeys.contains { name in
            keys.contains(name) && !(name == "type" && (typeValue.map(dataTypeNames.contains) ?? true))
        }
    }

    /// Returns whether a YAML mapping is a pair object, as `isPairObject(keys:typeValue:)` reads one.
    static func isPairObject(_ pairs: [YAMLPair]) -> Bool {
        let type = pairs.first { $0.key.scalarValue == "type" }?.value.scalarValue
        return isPairObject(keys: Set(pairs.compactMap(\.key.scalarValue)), typeValue: type)
    }

    /// Returns whether an object under a key of `rule` stays a pair object, whose `value` the
    /// rule of its name decides. Under a secret key, a pair whose `name` or `key` no rule matches
    /// is a secret of that key instead, as a HAR cookie (`{"name": "_ga", "value": …}` under
    /// `cookies`) is. A pair named by its `type` (`{"type": "gauge", …}`) stays a pair.
    static func keepsPair<Keys: Sequence<String>>(
        isPairObject: Bool, namesRule: Bool, keys: Keys, under rule: CompiledRule
    ) -> Bool {
        guard isPairObject, !namesRule, rule.kind.isSecret else { return isPairObject }
        return !keys.contains { $0 == "name" || $0 == "Name" || $0 == "key" || $0 == "Key" }
    }

    static let dataTypeNames: Set<String> = [
        "string", "number", "bool", "boolean", "list", "map", "set", "object", "tuple", "int", "integer", "float", "double",
    ]

    /// Keys whose string names the `value` member beside it, as in Kubernetes `env` entries
    /// (`name: DB_PASSWORD` with `value: …`) and credential lists (`type: token`).
    static let pairNameKeys = [
        "name", "key", "type", "field", "param", "parameter", "variable", "variable_name", "var", "env", "header", "label",
        "property", "setting", "Name", "Key",
    ]

    /// Returns whether `key` contains the value of a pair object or mapping: `value`, or `Value` as in AWS
    /// tags (`{"Key": "Owner", "Value": …}`).
    static func isPairValueKey(_ key: String?) -> Bool {
        key == "value" || key == "Value"
    }

    /// Returns the rule and the name of a pair object, `{"name": …, "value": …}` or another of
    /// `pairNameKeys` beside `value`, whose value is a string and whose name a key rule matches.
    /// A number under `value` is a count (as in Prometheus' TSDB status,
    /// `{"name": "instance", "value": 3}`), not an identifier.
    func pairRule(_ members: [String: JSONValue]) -> (rule: CompiledRule, name: String)? {
        guard case .string = members["value"] ?? members["Value"] else { return nil }
        return pairRule { members[$0]?.stringValue }
    }

    /// Returns the rule and the name of a YAML pair mapping, as `pairRule` does for JSON objects:
    /// a `value` key with a scalar beside a name key whose scalar a key rule matches.
    func pairRule(_ pairs: [YAMLPair]) -> (rule: CompiledRule, name: String)? {
        let hasScalarValue = pairs.contains { pair in
            guard Self.isPairValueKey(pair.key.scalarValue), case .scalar = pair.value else { return false }
            return true
        }
        guard hasScalarValue else { return nil }
        return pairRule { key in pairs.first { $0.key.scalarValue == key }?.value.scalarValue }
    }

    /// Returns the first name, read with `nameOf` for each of `pairNameKeys` in turn, that a key
    /// rule matches, with that rule.
    private func pairRule(nameOf: (String) -> String?) -> (rule: CompiledRule, name: String)? {
        for key in Self.pairNameKeys {
            if let name = nameOf(key), let rule = compiled.rule(forKey: name) { return (rule, name) }
        }
        return nil
    }

    /// Returns whether `text` parses as YAML whose documents are all mappings or lists.
    static func isYAMLCollection(_ text: String) -> Bool {
        guard let documents = try? YAMLDocument.parseAll(text), !documents.isEmpty else { return false }
        return documents.allSatisfy { node in
            if case .scalar = node { return false }
            return true
        }
    }

    /// Replaces the value of a member whose key a rule matched. A value the rule keeps is still
    /// replaced in allowlist mode when its path is not allowlisted.
    private func redactKeyed(
        _ value: JSONValue, rule: CompiledRule, key: String, log: inout RedactionLog, depth: Int,
        scope: AllowlistScope?
    ) throws -> JSONValue {
        let original: String
        switch value {
        case .null, .bool:
            return value
        case .string(let text):
            original = text
        case .int(let number):
            original = String(number)
        case .double:
            original = value.serializedString(pretty: false)
        case .array(let items):
            return .array(
                try items.map {
                    try redactKeyed($0, rule: rule, key: key, log: &log, depth: depth + 1, scope: scope?.appending(.item))
                })
        case .object(let members):
            // The identifying fields of an object under the key, as in "user": {"id": …}, are
            // values of the key's rule; the other fields are redacted as usual.
            var rest = members
            var identity: [String: JSONValue] = [:]
            let pairObject = Self.keepsPair(
                isPairObject: Self.isPairObject(keys: Set(members.keys), typeValue: members["type"]?.stringValue),
                namesRule: pairRule(members) != nil, keys: members.keys, under: rule)
            for field in keyedFields(under: rule, pairObject: pairObject) where compiled.rule(forKey: field) == nil {
                guard let member = members[field] else { continue }
                switch member {
                case .string, .int:
                    identity[field] = member
                    rest[field] = nil
                default:
                    continue
                }
            }
            if !pairObject {
                for (field, member) in rest {
                    guard case .string(let text) = member, isSecretMember(field, value: text, under: rule) else { continue }
                    identity[field] = member
                    rest[field] = nil
                }
            }
            if identity.isEmpty { return try redactJSON(value, log: &log, depth: depth, scope: scope) }

            var output = try redactJSON(.object(rest), log: &log, depth: depth, scope: scope).objectValue ?? [:]
            for (field, member) in identity {
                output[field] = try redactKeyed(
                    member, rule: rule, key: key, log: &log, depth: depth + 1, scope: scope?.appending(.key(field)))
            }
            return .object(output)
        }
        let additions = log.report.additions
        if let replaced = try replacement(for: original, rule: rule, context: KeyValueContext(key: key), log: &log) {
            log.report.add(rule: rule.id, file: log.file, unlessCountedSince: additions)
            return .string(replaced)
        }
        if replacesNotAllowlisted(original, plainStyle: false, scope: scope) { return .string(notAllowlisted(log: &log)) }
        return value
    }
}
