import DiagSupport

/// The context of a key's value in the text, which decides how the value is replaced.
struct KeyValueContext {
    var key: String
    /// The operator was `=~` or `!~`: the value is a PromQL regex, whose `|` alternatives are
    /// replaced one by one.
    var isRegexMatcher = false
    /// The pair sits in a URL (percent-encoded operator or quotes, or after `?`, `&` or `%XX`), so
    /// the value is percent-decoded before replacement and the replacement is encoded again.
    var isPercentEncoded = false
    /// The value is a bare JSON number after a quoted key (`"userId":8841` in a log line), so the
    /// replacement, a string, is written in quotes and the JSON stays valid.
    var quotesReplacement = false
}

/// Finds `key=value`, `key: value`, `"key": "value"`, INI `key = value`, HTTP `Header: value`
/// lines and PromQL label matchers (`key="v"`, `key=~"v"`, also percent-encoded in URLs) in
/// free text, and returns the value spans of keys that a `keys` or `labels` rule matches.
enum KeyValueScanner {
    /// A key not glued to a preceding word (but allowed after `--`, a quote, `{` or `%XX`) and
    /// not the user name of a URL (`scheme://user:password@`), an optional quote, and the operator.
    static let regex = try! PCRE2Regex(
        #"(?:(?<![A-Za-z0-9_.])(?<![A-Za-z0-9]-)(?<!://)|(?<=%[0-9A-Fa-f]{2}))(?:\\?["'])?(?<key>[A-Za-z_][A-Za-z0-9_.-]{0,127})(?:\\?["'])?[ \t]*(?<op>=~|!~|!=|=(?!=)|:(?![/:])|%3[Dd]~?|%21%3[Dd]|%21~)[ \t]*"#
    )
    static let keyGroup = regex.groupNumber(named: "key")!
    static let operatorGroup = regex.groupNumber(named: "op")!

    /// HTTP authentication schemes kept in front of a replaced credential.
    static let authSchemes: Set<String> = ["bearer", "basic", "token", "digest", "negotiate", "apikey", "ssws", "bot"]

    /// Returns whether `buffer` contains an operator byte of a pair (`=`, `:`, `%`) and whether
    /// it contains `<`, which an XML element needs, in one pass.
    static func operatorBytes(_ buffer: UnsafeBufferPointer<UInt8>) -> (pairs: Bool, xml: Bool) {
        var pairs = false
        var xml = false
        for byte in buffer {
            switch byte {
            case UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "%"): pairs = true
            case UInt8(ascii: "<"): xml = true
            default: continue
            }
            if pairs, xml { break }
        }
        return (pairs, xml)
    }

    static func scan(_ buffer: UnsafeBufferPointer<UInt8>, ruleForKey: (String) -> CompiledRule?) throws -> [Span] {
        let found = operatorBytes(buffer)
        let xmlSpans = found.xml ? try scanXML(buffer, ruleForKey: ruleForKey) : []
        // An INSERT's column list and values need no `=` or `:`.
        let insertSpans = try scanInsertValues(buffer, ruleForKey: ruleForKey)
        guard found.pairs else { return xmlSpans + insertSpans }
        // Block attributes that no rule names and INSERT values, so no pair span overlaps them.
        let pairSpans = try scanPairs(buffer, ruleForKey: ruleForKey) + scanSecretBlocks(buffer, ruleForKey: ruleForKey)
            + insertSpans
        guard !xmlSpans.isEmpty else { return pairSpans }
        // A pair inside an element's text (`<value>password=x</value>`) is the narrower match.
        return pairSpans + xmlSpans.filter { xml in !pairSpans.contains { $0.range.overlaps(xml.range) } }
    }

    /// XML elements whose name is the key (`<password>s3cret</password>`, also with attributes
    /// or a namespace prefix), elements named by a `Name` or `key` attribute (Windows event
    /// `<Data Name="TargetUserName">`, Java `<entry key="password">`), .NET settings
    /// (`<add key="DbPassword" value="…"/>`), and SAML attributes, whose value is the text of the
    /// first `AttributeValue` (`<saml:Attribute Name="displayName"><saml:AttributeValue>…`).
    static let xmlRegex = try! PCRE2Regex(
        #"<(?:[A-Za-z_][A-Za-z0-9_.-]{0,63}:)?(?<element>[A-Za-z_][A-Za-z0-9_.-]{0,127})(?<attributes>[ \t][^<>]{0,512})?>(?<text>[^<>\x00-\x1f]{1,4096})</(?:[A-Za-z_][A-Za-z0-9_.-]{0,63}:)?\g{element}>|<add[ \t](?:[^<>]{0,256}?[ \t])?key=["'](?<setting>[^"'<>]{1,128})["'][ \t]+value=["'](?<settingValue>[^"'<>]{1,4096})["']|<(?:[A-Za-z_][A-Za-z0-9_.-]{0,63}:)?Attribute(?<samlAttributes>[ \t][^<>]{0,512})>\s{0,64}<(?:[A-Za-z_][A-Za-z0-9_.-]{0,63}:)?AttributeValue(?:[ \t][^<>]{0,256})?>(?<samlText>[^<>\x00-\x1f]{1,4096})</"#
    )
    static let xmlGroups = (
        element: xmlRegex.groupNumber(named: "element")!, attributes: xmlRegex.groupNumber(named: "attributes")!,
        text: xmlRegex.groupNumber(named: "text")!, setting: xmlRegex.groupNumber(named: "setting")!,
        settingValue: xmlRegex.groupNumber(named: "settingValue")!,
        samlAttributes: xmlRegex.groupNumber(named: "samlAttributes")!, samlText: xmlRegex.groupNumber(named: "samlText")!
    )

    static func scanXML(_ buffer: UnsafeBufferPointer<UInt8>, ruleForKey: (String) -> CompiledRule?) throws -> [Span] {
        return try xmlRegex.withSession(largeJITStack: buffer.count > PCRE2Regex.smallSubjectLimit) { session in
            var spans: [Span] = []
            var offset = 0
            while offset < buffer.count, let match = try xmlRegex.firstMatch(in: buffer, from: offset, session: session) {
                offset = match.range.isEmpty
                    ? PCRE2Regex.nextCharacter(after: match.range.upperBound, in: buffer) : match.range.upperBound
                var key: String?
                var valueRange: Range<Int>?
                if let element = match.range(ofGroup: xmlGroups.element), let content = match.range(ofGroup: xmlGroups.text) {
                    // An element named by its attribute, as `<Data Name="TargetUserName">`, is keyed by that name.
                    let named = match.range(ofGroup: xmlGroups.attributes).flatMap { nameAttribute(buffer, in: $0) }
                    key = named.map { text(buffer, $0) } ?? text(buffer, element)
                    valueRange = content
                } else if let setting = match.range(ofGroup: xmlGroups.setting), let value = match.range(ofGroup: xmlGroups.settingValue) {
                    key = text(buffer, setting)
                    valueRange = value
                } else if let attributes = match.range(ofGroup: xmlGroups.samlAttributes), let value = match.range(ofGroup: xmlGroups.samlText),
                    let name = nameAttribute(buffer, in: attributes)
                {
                    // A SAML attribute: <saml:Attribute Name="displayName"><saml:AttributeValue>…
                    key = text(buffer, name)
                    valueRange = value
                }
                guard let key, var value = valueRange else { continue }
                while !value.isEmpty, buffer[value.lowerBound] == 0x20 || buffer[value.lowerBound] == 0x09 { value = value.dropFirst() }
                while !value.isEmpty, buffer[value.upperBound - 1] == 0x20 || buffer[value.upperBound - 1] == 0x09 { value = value.dropLast() }
                guard !value.isEmpty, let rule = ruleForKey(key) else { continue }
                spans.append(Span(range: value, rule: rule, origin: .keyValue(KeyValueContext(key: key))))
            }
            return spans
        }
    }

    /// Returns the range of the value of a `Name`, `name`, `Key` or `key` attribute within
    /// `attributes`, or nil when there is none.
    static func nameAttribute(_ buffer: UnsafeBufferPointer<UInt8>, in attributes: Range<Int>) -> Range<Int>? {
        for name in ["Name=", "name=", "Key=", "key="] {
            let literal = Array(name.utf8)
            var index = attributes.lowerBound
            while index + literal.count + 1 < attributes.upperBound {
                let before = buffer[index - 1]
                if (before == 0x20 || before == 0x09), matches(buffer, at: index, literal, caseless: false) {
                    let quote = buffer[index + literal.count]
                    guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { break }
                    let start = index + literal.count + 1
                    var end = start
                    while end < attributes.upperBound, buffer[end] != quote { end += 1 }
                    return end > start && end < attributes.upperBound ? start..<end : nil
                }
                index += 1
            }
        }
        return nil
    }

    static func scanPairs(_ buffer: UnsafeBufferPointer<UInt8>, ruleForKey: (String) -> CompiledRule?) throws -> [Span] {
        return try regex.withSession(largeJITStack: buffer.count > PCRE2Regex.smallSubjectLimit) { session in
            var spans: [Span] = []
            var offset = 0
            while offset < buffer.count, let match = try regex.firstMatch(in: buffer, from: offset, session: session) {
                offset = match.range.isEmpty
                    ? PCRE2Regex.nextCharacter(after: match.range.upperBound, in: buffer) : match.range.upperBound
                guard var keyRange = match.range(ofGroup: keyGroup), let operatorRange = match.range(ofGroup: operatorGroup)
                else { continue }
                var key = text(buffer, keyRange)
                // A form label of several words (`Date of Birth:`, `First Name:`) names the rule
                // when a rule's key names it with its blanks.
                var formField = false
                if buffer[operatorRange.lowerBound] == UInt8(ascii: ":"), operatorRange.count == 1,
                    let labelStart = formLabelStart(buffer, before: keyRange.lowerBound)
                {
                    let label = text(buffer, labelStart..<keyRange.upperBound)
                    if ruleForKey(label) != nil {
                        key = label
                        keyRange = labelStart..<keyRange.upperBound
                        formField = true
                    }
                }
                // kubectl's `Service Account:  billing` names a workload's identity, not a customer account.
                if keyRange.lowerBound >= 8, key.lowercased() == "account",
                    matches(buffer, at: keyRange.lowerBound - 8, Array("service ".utf8), caseless: true)
                {
                    continue
                }
                let inQuery = isAfterURLSeparator(buffer, before: match.range.lowerBound)
                // A bare `key` names a field in most formats, but in a URL's query it is an API key.
                guard
                    let rule = ruleForKey(key) ?? (inQuery && key.lowercased() == "key" ? ruleForKey("api_key") : nil)
                        ?? sectionRule(buffer, key: key, at: match.range.lowerBound, ruleForKey: ruleForKey)
                else {
                    continue
                }

                let op = text(buffer, operatorRange).lowercased()
                // `TokenFilter.java:74` in a stack frame is a source file and a line number.
                if op == ":", Self.isSourceFileName(key) { continue }
                // Each item of an inline list (`tenant_ids = ["a", "b"]` in HCL or TOML), and each
                // alternative of a regex group in a log query (`|~ "user=(ada.obi|usr_55)"`), is a value.
                if match.range.upperBound < buffer.count,
                    let items = buffer[match.range.upperBound] == UInt8(ascii: "[")
                        ? listItems(buffer, from: match.range.upperBound)
                        : buffer[match.range.upperBound] == UInt8(ascii: "(") ? alternationItems(buffer, from: match.range.upperBound) : nil
                {
                    let context = KeyValueContext(key: key)
                    for item in items.values { spans.append(Span(range: item, rule: rule, origin: .keyValue(context))) }
                    offset = max(offset, items.end)
                    continue
                }
                let lineStart = isAtLineStart(buffer, before: match.range.lowerBound)
                let spaced = match.range.upperBound > operatorRange.upperBound
                let wholeLine = lineStart && (op == ":" || (op == "=" && spaced))
                guard var value = formField
                    ? formValue(buffer, from: match.range.upperBound)
                    : valueRange(buffer, from: match.range.upperBound, wholeLine: wholeLine)
                else { continue }
                // A JSON member printed as text (`"fail_on_user": true,` in Ansible's output) ends
                // before the comma that separates it from the next member.
                if wholeLine, !value.quoted, keyRange.lowerBound > 0, buffer[keyRange.lowerBound - 1] == UInt8(ascii: "\""),
                    value.inner.count > 1, buffer[value.inner.upperBound - 1] == UInt8(ascii: ",")
                {
                    value.inner = value.inner.lowerBound..<(value.inner.upperBound - 1)
                }
                // `user:password@host` (a Go MySQL DSN) is a credential, not a key and its value.
                // `tenant:http_requests:rate5m` is a Prometheus recording rule's name.
                if op == ":", !spaced, !value.quoted, !buffer[value.inner].starts(with: Array("//".utf8)),
                    buffer[value.inner].contains(UInt8(ascii: "@")) || Self.startsWithNameAndColon(buffer[value.inner])
                {
                    continue
                }

                // A label with no value of its own is followed by the next pair (Dovecot's
                // `Login: user=<amaka>`), which is scanned as a pair of its own. A secret keeps its
                // whole value, because base64 and passwords contain `=` too.
                if op == ":", !rule.kind.isSecret, !value.quoted, startsWithPair(buffer[value.inner]) {
                    offset = value.inner.lowerBound
                    continue
                }
                // An unquoted true, false or null is a literal (`"fail_on_user": true`), whatever the key.
                if !value.quoted, isLiteral(buffer, value.inner) { continue }
                // A list without spaces (`TENANTS=acme,globex` in an env file): each item is a value.
                if !value.quoted, !wholeLine, let items = commaListItems(buffer, from: value.inner.lowerBound) {
                    let context = KeyValueContext(key: key)
                    for item in items.values { spans.append(Span(range: item, rule: rule, origin: .keyValue(context))) }
                    offset = max(offset, items.end)
                    continue
                }
                // A person's name after a user key in prose (`# Owner: Emeka Nwankwo (on call)`).
                if !value.quoted, !wholeLine, [.userID, .customerID, .tenantID].contains(rule.kind) {
                    let end = capitalizedWordsEnd(buffer, after: value.inner)
                    if end > value.inner.upperBound {
                        value.inner = value.inner.lowerBound..<end
                        value.end = max(value.end, end)
                    }
                }
                if rule.kind.isSecret, !value.quoted {
                    value.inner = extendOverAuthScheme(buffer, value.inner)
                    value.end = max(value.end, value.inner.upperBound)
                }
                var context = KeyValueContext(key: key)
                context.isRegexMatcher = op.hasSuffix("~")
                context.isPercentEncoded = op.hasPrefix("%") || value.percentQuoted || inQuery
                context.quotesReplacement = op == ":" && !value.quoted && keyRange.lowerBound > 0
                    && buffer[keyRange.lowerBound - 1] == UInt8(ascii: "\"") && keyRange.upperBound < buffer.count
                    && buffer[keyRange.upperBound] == UInt8(ascii: "\"") && isJSONNumber(buffer[value.inner])
                if !value.inner.isEmpty { spans.append(Span(range: value.inner, rule: rule, origin: .keyValue(context))) }
                offset = max(offset, value.end)
            }
            return spans
        }
    }

    /// Returns the items of a comma-separated list without spaces that starts at `start`, with the
    /// offset after its last item. The list ends at a space or another token end, and before an
    /// item with `=`, which is the next pair (`user=bob,role=admin`). Returns nil for fewer than
    /// two items.
    static func commaListItems(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> (values: [Range<Int>], end: Int)? {
        var values: [Range<Int>] = []
        var itemStart = start
        var index = start
        while true {
            var hasEquals = false
            while index < buffer.count, buffer[index] != UInt8(ascii: ","), !isTokenEnd(buffer, at: index) {
                if buffer[index] == UInt8(ascii: "=") { hasEquals = true }
                index += 1
            }
            if hasEquals || index == itemStart { break }
            values.append(itemStart..<index)
            guard index + 1 < buffer.count, buffer[index] == UInt8(ascii: ","), !isTokenEnd(buffer, at: index + 1) else { break }
            index += 1
            itemStart = index
        }
        guard values.count >= 2, var last = values.popLast() else { return nil }
        // As after one token, a sentence's final `.` or `:` is not part of the last item.
        while last.count > 1, buffer[last.upperBound - 1] == UInt8(ascii: ".") || buffer[last.upperBound - 1] == UInt8(ascii: ":") {
            last = last.lowerBound..<(last.upperBound - 1)
        }
        values.append(last)
        return (values, last.upperBound)
    }

    /// Returns the end of up to two more capitalized words (`Nwankwo`, `Cooperative`) that follow
    /// the capitalized word at `range`, each after one space, as the rest of a name. Returns
    /// `range.upperBound` when `range` is not one capitalized word or no such word follows. A word
    /// followed by `=` or `:` is the next key and ends the name before it.
    static func capitalizedWordsEnd(_ buffer: UnsafeBufferPointer<UInt8>, after range: Range<Int>) -> Int {
        func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
        func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
        func isCapitalizedWord(_ word: Range<Int>) -> Bool {
            word.count >= 2 && isUpper(buffer[word.lowerBound]) && buffer[(word.lowerBound + 1)..<word.upperBound].allSatisfy(isLower)
        }
        guard isCapitalizedWord(range) else { return range.upperBound }
        var end = range.upperBound
        for _ in 0..<2 {
            guard end + 2 < buffer.count, buffer[end] == 0x20 else { break }
            var wordEnd = end + 1
            while wordEnd < buffer.count, isUpper(buffer[wordEnd]) || isLower(buffer[wordEnd]) { wordEnd += 1 }
            guard isCapitalizedWord((end + 1)..<wordEnd) else { break }
            if wordEnd < buffer.count, buffer[wordEnd] == UInt8(ascii: "=") || buffer[wordEnd] == UInt8(ascii: ":") { break }
            end = wordEnd
        }
        return end
    }

    /// Returns whether the bytes of `range` spell `true`, `false` or `null` in any case.
    static func isLiteral(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard range.count == 4 || range.count == 5 else { return false }
        return literalWords.contains { matches(buffer, at: range.lowerBound, $0, caseless: true) && $0.count == range.count }
    }

    static let literalWords = ["true", "false", "null"].map { Array($0.utf8) }

    /// Returns whether `bytes` starts with a word and a colon, as the rest of a Prometheus
    /// recording rule's name does (`http_errors:ratio_rate1h{…}` after `tenant:`).
    static func startsWithNameAndColon(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        for (position, byte) in zip(bytes.indices, bytes) {
            if byte == UInt8(ascii: ":") { return position > bytes.startIndex }
            let isNameByte = byte == UInt8(ascii: "_") || (byte >= 0x30 && byte <= 0x39)
                || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
            if !isNameByte { return false }
        }
        return false
    }

    /// The extensions of source files whose names appear with a line number in stack traces.
    static let sourceFileExtensions: Set<String> = [
        "java", "kt", "kts", "scala", "groovy", "clj", "go", "py", "rb", "js", "mjs", "ts", "cs", "fs", "vb",
        "swift", "c", "cc", "cpp", "cxx", "h", "hpp", "rs", "php", "ex", "exs", "erl", "lua", "pl", "dart",
    ]

    /// Returns whether `key` is a source file name such as `TokenFilter.java`.
    /// Returns whether `bytes` start with a name of up to 64 bytes and a single `=`, as the next
    /// pair of a `key=value` list does.
    static func startsWithPair(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard let first = bytes.first, first == UInt8(ascii: "_") || (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A) else {
            return false
        }
        for index in bytes.indices.dropFirst().prefix(64) {
            let byte = bytes[index]
            if byte == UInt8(ascii: "=") {
                return index + 1 == bytes.endIndex || bytes[index + 1] != UInt8(ascii: "=")
            }
            let isNameByte = byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
                || (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
            if !isNameByte { return false }
        }
        return false
    }

    static func isSourceFileName(_ key: String) -> Bool {
        guard let dot = key.lastIndex(of: "."), dot != key.startIndex else { return false }
        return sourceFileExtensions.contains(key[key.index(after: dot)...].lowercased())
    }

    /// Returns whether `bytes` are a JSON number: an optional minus, digits, an optional fraction.
    static func isJSONNumber(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        var digits = bytes.drop { $0 == UInt8(ascii: "-") }
        guard bytes.count - digits.count <= 1, let first = digits.first, first >= 0x30, first <= 0x39 else { return false }
        if let dot = digits.firstIndex(of: UInt8(ascii: ".")) {
            guard dot + 1 < digits.endIndex, digits[(dot + 1)...].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            digits = digits[..<dot]
        }
        return digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Returns the alternatives of a regex group `(a|b|c)` that starts at `start`, with the offset
    /// after its `)`. Returns nil unless the group closes on its line and has two or more
    /// non-empty alternatives, without blanks, quotes, brackets or nested groups.
    static func alternationItems(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> (values: [Range<Int>], end: Int)? {
        var values: [Range<Int>] = []
        var itemStart = start + 1
        var index = itemStart
        while index < buffer.count {
            switch buffer[index] {
            case UInt8(ascii: "|"), UInt8(ascii: ")"):
                guard index > itemStart else { return nil }
                values.append(itemStart..<index)
                if buffer[index] == UInt8(ascii: ")") { return values.count >= 2 ? (values, index + 1) : nil }
                itemStart = index + 1
            case 0x09, 0x0A, 0x0D, 0x20, UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "\""),
                UInt8(ascii: "'"), UInt8(ascii: "`"):
                return nil
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// Returns the items of an inline list that starts at `start` (`[`) and closes on the same
    /// line: quoted strings or bare words separated by commas. Returns nil for anything else,
    /// such as a nested list or a list of mappings, which the patterns handle.
    static func listItems(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> (values: [Range<Int>], end: Int)? {
        var values: [Range<Int>] = []
        var index = start + 1
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        while index < buffer.count {
            while index < buffer.count, isBlank(buffer[index]) { index += 1 }
            guard index < buffer.count else { return nil }
            let byte = buffer[index]
            if byte == UInt8(ascii: "]") { return values.isEmpty ? nil : (values, index + 1) }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                guard let value = quoted(buffer, from: index + 1, closing: [byte]) else { return nil }
                if !value.inner.isEmpty { values.append(value.inner) }
                index = value.end
            } else {
                let itemStart = index
                while index < buffer.count, ![UInt8(ascii: ","), UInt8(ascii: "]"), 0x0A, 0x0D].contains(buffer[index]) {
                    let item = buffer[index]
                    if [UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "\""), UInt8(ascii: "'")].contains(item) { return nil }
                    index += 1
                }
                var itemEnd = index
                while itemEnd > itemStart, isBlank(buffer[itemEnd - 1]) { itemEnd -= 1 }
                guard itemEnd > itemStart else { return nil }
                values.append(itemStart..<itemEnd)
            }
            while index < buffer.count, isBlank(buffer[index]) { index += 1 }
            guard index < buffer.count else { return nil }
            if buffer[index] == UInt8(ascii: ",") {
                index += 1
            } else if buffer[index] != UInt8(ascii: "]") {
                return nil
            }
        }
        return nil
    }

    struct Value {
        var inner: Range<Int>
        /// The offset where scanning resumes, after the closing quote.
        var end: Int
        var quoted: Bool
        var percentQuoted = false
    }

    /// Returns the value starting at `start`: quoted (`"…"`, `'…'`, `\"…\"`, `%22…%22`), the
    /// rest of the line for YAML, INI and header lines, or else one token.
    static func valueRange(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, wholeLine: Bool) -> Value? {
        guard start < buffer.count else { return nil }
        if let value = tripleQuoted(buffer, from: start) { return value }
        let first = buffer[start]
        // The Elasticsearch query forms {"tenant_id": {"value": "…"}} and {"full_name": {"query": "…"}}
        // in a log line: the string under value or query is the key's value.
        if first == UInt8(ascii: "{"), let quote = wrappedValueQuote(buffer, after: start),
            let value = quoted(buffer, from: quote + 1, closing: [UInt8(ascii: "\"")])
        {
            return value
        }
        // An unterminated quote still protects the rest of the token after it.
        if first == UInt8(ascii: "\\"), start + 1 < buffer.count, buffer[start + 1] == UInt8(ascii: "\"") {
            return quoted(buffer, from: start + 2, closing: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                ?? token(buffer, from: start + 2)
        }
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") || first == UInt8(ascii: "`") {
            // An unterminated quote on a whole line makes the rest of the line the value.
            if let value = quoted(buffer, from: start + 1, closing: [first]) { return value }
            if !wholeLine { return token(buffer, from: start + 1) }
        }
        if hasPrefix(buffer, at: start, "%22") {
            guard var value = quoted(buffer, from: start + 3, closing: Array("%22".utf8), caseless: true)
                ?? token(buffer, from: start + 3)
            else { return nil }
            value.percentQuoted = true
            return value
        }
        if let value = wrappedValue(buffer, from: start) { return value }
        if first == UInt8(ascii: "<"), !wholeLine, let value = angleBracketed(buffer, from: start) { return value }
        if wholeLine {
            var end = start
            while end < buffer.count, buffer[end] != 0x0A, buffer[end] != 0x0D { end += 1 }
            var stop = end
            // A YAML comment starts at " #".
            var index = start
            while index + 1 < end {
                if buffer[index] == UInt8(ascii: " "), buffer[index + 1] == UInt8(ascii: "#") {
                    stop = index
                    break
                }
                index += 1
            }
            while stop > start, buffer[stop - 1] == UInt8(ascii: " ") || buffer[stop - 1] == UInt8(ascii: "\t") { stop -= 1 }
            guard stop > start else { return nil }
            // Block scalars and flow collections are left to the YAML redactor and to the patterns.
            if [UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "{"), UInt8(ascii: "[")].contains(first) { return nil }
            return stripQuotes(start..<stop, in: buffer)
        }
        return token(buffer, from: start)
    }

    /// The type names that the OpenTelemetry Collector's debug exporter writes around each
    /// attribute value: `-> enduser.id: Str(usr_5520918)`.
    static let attributeTypeNames = ["Str(", "Int(", "Double(", "Bool(", "Bytes("].map { Array($0.utf8) }

    /// Returns the value inside a wrapper, or nil for any other value. One wrapper is an
    /// OpenTelemetry attribute type, `Str(…)`, read up to the last `)` on the line within 4 KiB.
    /// The other is a pointer before the string it points to, as gdb prints arguments
    /// (`customer_id=0x55a1c4e1b8c0 "CUS-00921"`).
    ///
    /// NOTE: a secret written in hex and followed by a space and a quoted string
    /// (`pin=0x4821 "note"`) reads as a pointer, so the hex stays and the string is replaced.
    static func wrappedValue(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Value? {
        guard start + 2 < buffer.count else { return nil }
        if let name = attributeTypeNames.first(where: { matches(buffer, at: start, $0, caseless: false) }) {
            let open = start + name.count
            var lineEnd = open
            while lineEnd < buffer.count, lineEnd - open < 4096, buffer[lineEnd] != 0x0A, buffer[lineEnd] != 0x0D { lineEnd += 1 }
            guard let close = buffer[open..<lineEnd].lastIndex(of: UInt8(ascii: ")")), close > open else { return nil }
            return Value(inner: open..<close, end: close + 1, quoted: true)
        }
        guard buffer[start] == UInt8(ascii: "0"), buffer[start + 1] == UInt8(ascii: "x") else { return nil }
        var index = start + 2
        while index < buffer.count, index - start <= 18,
            buffer[index] >= 0x30 && buffer[index] <= 0x39 || (buffer[index] | 0x20) >= 0x61 && (buffer[index] | 0x20) <= 0x66
        {
            index += 1
        }
        guard index > start + 2, index + 1 < buffer.count, buffer[index] == 0x20, buffer[index + 1] == UInt8(ascii: "\"") else {
            return nil
        }
        return quoted(buffer, from: index + 2, closing: [UInt8(ascii: "\"")])
    }

    /// Returns the offset of the opening quote of the string in `{"value": "…"` or
    /// `{"query": "…"` that starts at the `{` at `brace`, or nil when no such form starts there.
    static func wrappedValueQuote(_ buffer: UnsafeBufferPointer<UInt8>, after brace: Int) -> Int? {
        var index = brace + 1
        func skipBlanks() { while index < buffer.count, buffer[index] == 0x20 || buffer[index] == 0x09 { index += 1 } }
        skipBlanks()
        guard let name = [#""value""#, #""query""#].first(where: { hasPrefix(buffer, at: index, $0) }) else { return nil }
        index += name.utf8.count
        skipBlanks()
        guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        skipBlanks()
        guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else { return nil }
        return index
    }

    /// The longest value in triple quotes that is searched for its closing quotes.
    static let maximumTripleQuotedBytes = 65_536

    /// Returns a value in triple quotes: `"""…"""` or `'''…'''` (Grafana's INI files, Python), also
    /// JSON-escaped as `\"\"\"…\"\"\"`. The closing quotes may stand on a later line, as in
    /// a multi-line INI value. Without them within `maximumTripleQuotedBytes`, the rest of the
    /// line is the value, so an unterminated secret is still replaced.
    static func tripleQuoted(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Value? {
        let quote: [UInt8]
        if hasPrefix(buffer, at: start, #"\"\"\""#) {
            quote = Array(#"\"\"\""#.utf8)
        } else if hasPrefix(buffer, at: start, "\"\"\"") {
            quote = Array("\"\"\"".utf8)
        } else if hasPrefix(buffer, at: start, "'''") {
            quote = Array("'''".utf8)
        } else {
            return nil
        }

        let innerStart = start + quote.count
        let limit = min(buffer.count, innerStart + maximumTripleQuotedBytes)
        var index = innerStart
        while index < limit {
            if buffer[index] == quote[0], matches(buffer, at: index, quote, caseless: false) {
                return Value(inner: innerStart..<index, end: index + quote.count, quoted: true)
            }
            index += 1
        }

        var end = innerStart
        while end < buffer.count, buffer[end] != 0x0A, buffer[end] != 0x0D { end += 1 }
        var stop = end
        while stop > innerStart, buffer[stop - 1] == UInt8(ascii: " ") || buffer[stop - 1] == UInt8(ascii: "\t") { stop -= 1 }
        return Value(inner: innerStart..<stop, end: end, quoted: true)
    }

    /// Returns the rest of a line as a value, without the quotes around it when the whole rest is
    /// quoted (`"…"`, `'…'`, or Python and Grafana INI's `"""…"""`).
    static func stripQuotes(_ range: Range<Int>, in buffer: UnsafeBufferPointer<UInt8>) -> Value {
        let first = buffer[range.lowerBound]
        guard first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") else {
            return Value(inner: range, end: range.upperBound, quoted: false)
        }
        var width = 1
        while width < 3, range.count >= 2 * (width + 1), buffer[range.lowerBound + width] == first,
            buffer[range.upperBound - 1 - width] == first
        {
            width += 1
        }
        guard range.count >= 2 * width + 1, buffer[range.upperBound - 1] == first else {
            return Value(inner: range, end: range.upperBound, quoted: false)
        }
        return Value(inner: range.lowerBound + width..<range.upperBound - width, end: range.upperBound, quoted: true)
    }

    /// Returns the value inside angle brackets, as Dovecot and Postfix write them
    /// (`user=<amaka>`, `session=<Bb7vN1kXwOIKAAAB>`): up to 512 bytes without blanks before
    /// the `>`. A `<redacted:…>` marker is no value.
    static func angleBracketed(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Value? {
        guard !hasPrefix(buffer, at: start + 1, "redacted:") else { return nil }
        var index = start + 1
        while index < buffer.count, index - start <= 512 {
            switch buffer[index] {
            case UInt8(ascii: ">"):
                return index > start + 1 ? Value(inner: (start + 1)..<index, end: index + 1, quoted: true) : nil
            case 0x09, 0x0A, 0x0D, 0x20, UInt8(ascii: "<"):
                return nil
            default:
                index += 1
            }
        }
        return nil
    }

    /// Returns one unquoted token, without a sentence's final `.` or `:`.
    static func token(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Value? {
        var end = start
        while end < buffer.count, !isTokenEnd(buffer, at: end) { end += 1 }
        while end > start, buffer[end - 1] == UInt8(ascii: ".") || buffer[end - 1] == UInt8(ascii: ":") { end -= 1 }
        guard end > start else { return nil }
        return Value(inner: start..<end, end: end, quoted: false)
    }

    static func quoted(
        _ buffer: UnsafeBufferPointer<UInt8>, from start: Int, closing: [UInt8], caseless: Bool = false
    ) -> Value? {
        var index = start
        while index < buffer.count, buffer[index] != 0x0A {
            if closing.count == 1, buffer[index] == UInt8(ascii: "\\"), closing[0] == UInt8(ascii: "\"") {
                index += 2
                continue
            }
            if matches(buffer, at: index, closing, caseless: caseless) {
                return Value(inner: start..<index, end: index + closing.count, quoted: true)
            }
            index += 1
        }
        return nil
    }

    /// Returns whether an unquoted value ends at `index`: at white space, punctuation that closes
    /// a token, or a percent-encoded `"`, `&`, `,`, `;`, space, `)`, `}` or `]`.
    static func isTokenEnd(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let byte = buffer[index]
        switch byte {
        case UInt8(ascii: "&"):
            return isParameterSeparator(buffer, at: index)
        case 0x09, 0x0A, 0x0D, 0x20, UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\""),
            UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: "}"),
            UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "|"),
            UInt8(ascii: "\\"), UInt8(ascii: "`"):
            return true
        case UInt8(ascii: "%"):
            guard index + 2 < buffer.count else { return false }
            let code = String(decoding: [buffer[index + 1], buffer[index + 2]], as: UTF8.self).uppercased()
            return ["22", "26", "2C", "3B", "20", "29", "7D", "5D", "27", "0A"].contains(code)
        default:
            return false
        }
    }

    /// Returns whether the `&` at `index` ends a value: it separates query parameters (a name
    /// and `=` follow), starts an HTML entity (`&amp;`, `&#34;`) or ends the text or word. An `&`
    /// inside a password (`Tr0ub4dor&3`) does none of these, so the password stays whole.
    static func isParameterSeparator(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        var next = index + 1
        guard next < buffer.count else { return true }
        let first = buffer[next]
        if first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D { return true }
        if first == UInt8(ascii: "#") { next += 1 }
        var length = 0
        while next < buffer.count, length <= 128 {
            let byte = buffer[next]
            let isNameByte = byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
                || (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
            if byte == UInt8(ascii: "=") || byte == UInt8(ascii: ";") { return length > 0 }
            if !isNameByte { return false }
            length += 1
            next += 1
        }
        return false
    }

    /// Extends a one-word value such as `Bearer` over the credential that follows it. When the
    /// credential is already a `<redacted:…>` marker, returns an empty range, so nothing is replaced.
    static func extendOverAuthScheme(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        guard authSchemes.contains(text(buffer, range).lowercased()) else { return range }
        var start = range.upperBound
        while start < buffer.count, buffer[start] == UInt8(ascii: " ") { start += 1 }
        guard start > range.upperBound else { return range }
        if hasPrefix(buffer, at: start, "<redacted:") { return range.upperBound..<range.upperBound }
        var end = start
        while end < buffer.count, !isTokenEnd(buffer, at: end) || buffer[end] == UInt8(ascii: ",") { end += 1 }
        return end > start ? range.lowerBound..<end : range
    }

    /// Returns whether only indentation, a list dash or `export` precedes `offset` on its line.
    /// Returns the start of the form label of two to four words that ends with the word at
    /// `keyStart` (`Mother's Maiden Name`), or nil. The label starts a line or follows a gap of two
    /// or more blanks, as the columns of a printed form do. Its words are letters (and `'`)
    /// separated by single spaces.
    static func formLabelStart(_ buffer: UnsafeBufferPointer<UInt8>, before keyStart: Int) -> Int? {
        func isLabelByte(_ byte: UInt8) -> Bool {
            (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A || byte == UInt8(ascii: "'")
        }
        var start = keyStart
        var words = 1
        while words < 4, start >= 2, buffer[start - 1] == 0x20, isLabelByte(buffer[start - 2]) {
            var wordStart = start - 1
            while wordStart > 0, isLabelByte(buffer[wordStart - 1]) { wordStart -= 1 }
            start = wordStart
            words += 1
        }
        guard words > 1 else { return nil }
        // The first word must start the line (after indentation) or follow a column gap.
        var blanks = 0
        var index = start
        while index > 0, buffer[index - 1] == 0x20 || buffer[index - 1] == 0x09 {
            blanks += buffer[index - 1] == 0x09 ? 2 : 1
            index -= 1
        }
        let atLineStart = index == 0 || buffer[index - 1] == 0x0A || buffer[index - 1] == 0x0D
        return atLineStart || blanks >= 2 ? start : nil
    }

    /// Returns the value of a form field: the rest of the line up to a gap of three or more blanks
    /// (the next column), trimmed.
    static func formValue(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Value? {
        var index = start
        while index < buffer.count, buffer[index] == 0x20 || buffer[index] == 0x09 { index += 1 }
        let valueStart = index
        var end = index
        var blanks = 0
        while index < buffer.count, buffer[index] != 0x0A, buffer[index] != 0x0D {
            if buffer[index] == 0x20 || buffer[index] == 0x09 {
                blanks += 1
                if blanks >= 3 || buffer[index] == 0x09 { break }
            } else {
                blanks = 0
                end = index + 1
            }
            index += 1
        }
        guard end > valueStart else { return nil }
        return Value(inner: valueStart..<end, end: end, quoted: false)
    }

    /// The kinds whose INI section names the object that its `id` or `name` identifies.
    static let sectionKinds: Set<RuleKind> = [.tenantID, .userID, .customerID]

    /// Returns the rule of the INI section that a pair at `offset` is in. It applies when `key`
    /// identifies the object it is in (`Redactor.identityFields`). The section's name must be a
    /// tenant, user or customer key, as in `[tenant]` then `id = zenithagro`, or git's `[user]`
    /// then `name = Ada Obi`. The section header is looked for at most `sectionSearchBytes` back.
    /// NOTE: a file over 4 MiB is streamed, and its line screens pass no `id = …` line that no
    /// other rule matches, so there the section is not read.
    static func sectionRule(
        _ buffer: UnsafeBufferPointer<UInt8>, key: String, at offset: Int, ruleForKey: (String) -> CompiledRule?
    ) -> CompiledRule? {
        guard Redactor.identityFields.contains(key.lowercased()), isAtLineStart(buffer, before: offset) else { return nil }
        let limit = max(0, offset - sectionSearchBytes)
        // `end` is the first byte of a line; each turn reads the line before it.
        var end = offset
        while end > limit, buffer[end - 1] != 0x0A { end -= 1 }
        while end > limit {
            let newline = end - 1
            var start = newline
            while start > limit, buffer[start - 1] != 0x0A { start -= 1 }
            let line = text(buffer, start..<newline).trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("["), line.hasSuffix("]"), line.count > 2 {
                let name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                guard let rule = ruleForKey(name), sectionKinds.contains(rule.kind) else { return nil }
                return rule
            }
            end = start
        }
        return nil
    }

    static let sectionSearchBytes = 16_384

    static func isAtLineStart(_ buffer: UnsafeBufferPointer<UInt8>, before offset: Int) -> Bool {
        var index = offset
        while index > 0 {
            let byte = buffer[index - 1]
            if byte == 0x0A || byte == 0x0D { return true }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "-") {
                index -= 1
                continue
            }
            if index >= 7, text(buffer, index - 7..<index) == "export " {
                index -= 7
                continue
            }
            return false
        }
        return true
    }

    static func isAfterURLSeparator(_ buffer: UnsafeBufferPointer<UInt8>, before offset: Int) -> Bool {
        guard offset > 0 else { return false }
        let byte = buffer[offset - 1]
        if byte == UInt8(ascii: "?") || byte == UInt8(ascii: "&") { return true }
        return offset >= 3 && buffer[offset - 3] == UInt8(ascii: "%")
    }

    static func text(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }

    static func hasPrefix(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int, _ literal: String) -> Bool {
        matches(buffer, at: index, Array(literal.utf8), caseless: true)
    }

    static func matches(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int, _ literal: [UInt8], caseless: Bool) -> Bool {
        guard index + literal.count <= buffer.count else { return false }
        for (position, expected) in literal.enumerated() {
            var actual = buffer[index + position]
            var wanted = expected
            if caseless {
                if actual >= 0x41 && actual <= 0x5A { actual |= 0x20 }
                if wanted >= 0x41 && wanted <= 0x5A { wanted |= 0x20 }
            }
            if actual != wanted { return false }
        }
        return true
    }
}
