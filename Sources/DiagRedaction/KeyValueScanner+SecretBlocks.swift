import DiagSupport

extension KeyValueScanner {
    /// The first line of an HCL block (`tokens {`, `seal "awskms" {`): the block's type name, any
    /// quoted labels, and an opening brace that ends the line.
    static let blockStartRegex = try! PCRE2Regex(
        #"(?m)^[ \t]*(?<name>[A-Za-z_][A-Za-z0-9_-]{0,63})(?:[ \t]+"[^"\r\n]{0,128}")*[ \t]*\{[ \t]*\r?$"#)
    static let blockNameGroup = blockStartRegex.groupNumber(named: "name")!

    /// An attribute line inside a block: `agent = "b1c2…"` or `agent = b1c2…`.
    static let blockAttributeRegex = try! PCRE2Regex(
        ##"^[ \t]*(?<name>[A-Za-z_][A-Za-z0-9_-]{0,63})[ \t]*=[ \t]*(?:"(?<quoted>[^"\\\r\n]{1,4096})"|(?<bare>[^\s"#]{1,4096}))[ \t]*(?:#.*)?\r?$"##)
    static let blockAttributeGroups = (
        name: blockAttributeRegex.groupNumber(named: "name")!, quoted: blockAttributeRegex.groupNumber(named: "quoted")!,
        bare: blockAttributeRegex.groupNumber(named: "bare")!
    )

    /// Returns the secret values inside HCL blocks named by a secret rule's key, such as Consul's
    /// `acl { tokens { agent = "…" } }`, where each attribute is a token named for its purpose.
    /// An attribute counts when no rule names it, its name is not a setting
    /// (`Redactor.namesSetting`) and its value looks like a secret (`Redactor.isSecretShaped`).
    /// Nested blocks are left to the other scans.
    static func scanSecretBlocks(_ buffer: UnsafeBufferPointer<UInt8>, ruleForKey: (String) -> CompiledRule?) throws
        -> [Span]
    {
        guard hasBlockStart(buffer) else { return [] }
        return try blockStartRegex.withSession(largeJITStack: buffer.count > PCRE2Regex.smallSubjectLimit) { session in
            var spans: [Span] = []
            var offset = 0
            while offset < buffer.count, let match = try blockStartRegex.firstMatch(in: buffer, from: offset, session: session) {
                offset = max(match.range.upperBound, offset + 1)
                guard let nameRange = match.range(ofGroup: blockNameGroup) else { continue }
                let name = text(buffer, nameRange)
                guard let rule = ruleForKey(name), rule.kind.isSecret else { continue }
                spans += try secretAttributes(buffer, from: match.range.upperBound, rule: rule, ruleForKey: ruleForKey)
            }
            return spans
        }
    }

    /// Returns whether some line of `buffer` ends with an opening brace, the cheap test before
    /// `scanSecretBlocks` runs its regex.
    private static func hasBlockStart(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < buffer.count {
            guard let brace = buffer[index...].firstIndex(of: UInt8(ascii: "{")) else { return false }
            var next = brace + 1
            while next < buffer.count, buffer[next] == UInt8(ascii: " ") || buffer[next] == UInt8(ascii: "\t")
                || buffer[next] == UInt8(ascii: "\r")
            {
                next += 1
            }
            if next < buffer.count, buffer[next] == UInt8(ascii: "\n") { return true }
            index = brace + 1
        }
        return false
    }

    /// Returns the secret attributes on the lines after `start` up to the line that closes the
    /// block, at the block's own depth.
    private static func secretAttributes(
        _ buffer: UnsafeBufferPointer<UInt8>, from start: Int, rule: CompiledRule, ruleForKey: (String) -> CompiledRule?
    ) throws -> [Span] {
        return try blockAttributeRegex.withSession(largeJITStack: false) { session in
            var spans: [Span] = []
            var depth = 1
            var lineStart = start < buffer.count && buffer[start] == UInt8(ascii: "\n") ? start + 1 : start
            while lineStart < buffer.count, depth > 0 {
                let lineEnd = buffer[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? buffer.count
                let line = UnsafeBufferPointer(rebasing: buffer[lineStart..<lineEnd])
                var opens = 0
                var closes = 0
                var quoted = false
                for byte in line {
                    if byte == UInt8(ascii: "\"") { quoted.toggle() }
                    if quoted { continue }
                    if byte == UInt8(ascii: "#") { break }
                    if byte == UInt8(ascii: "{") { opens += 1 }
                    if byte == UInt8(ascii: "}") { closes += 1 }
                }
                if depth == 1, opens == 0, closes == 0, let match = try blockAttributeRegex.firstMatch(in: line, from: 0, session: session),
                    let nameRange = match.range(ofGroup: blockAttributeGroups.name),
                    let valueRange = match.range(ofGroup: blockAttributeGroups.quoted) ?? match.range(ofGroup: blockAttributeGroups.bare)
                {
                    let name = text(line, nameRange)
                    let value = text(line, valueRange)
                    if ruleForKey(name) == nil, !Redactor.namesSetting(name), Redactor.isSecretShaped(value) {
                        let range = (lineStart + valueRange.lowerBound)..<(lineStart + valueRange.upperBound)
                        spans.append(Span(range: range, rule: rule, origin: .keyValue(KeyValueContext(key: name))))
                    }
                }
                depth += opens - closes
                lineStart = lineEnd + 1
            }
            return spans
        }
    }
}
