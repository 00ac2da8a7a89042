#if canImport(Glibc)
import Glibc
#endif

/// The columns of a W3C extended log file (IIS, Azure App Service and some proxies), as its
/// latest `#Fields:` directive names them:
///
///     #Fields: date time s-ip cs-method cs-uri-stem s-port cs-username c-ip sc-status
///     2024-05-13 10:14:02 10.20.0.5 GET /api/accounts 443 ngozi.nwachukwu 102.89.3.4 200
///
/// Fields are separated by one space, a space inside a value is written as `+`, and `-` marks
/// an empty field. A user name column contains plain names (`ngozi.nwachukwu`) that no pattern
/// can tell from other words, so each column is redacted by the rule its field name calls for.
struct W3CFields {
    /// The field names in column order.
    let names: [String]
    /// The key a rule is looked up by for each column, or nil for columns that the pattern
    /// rules cover (addresses, URLs, queries) or that identify no one (status, bytes, method).
    let keys: [String?]
    /// The columns of the `date` and `time` fields. A data line must have a date and a time in
    /// them, so other lines of a mixed text (notes that quote a directive) are not read by column.
    let dateColumn: Int?
    let timeColumn: Int?

    static let directive = Array("#Fields:".utf8)

    /// Reads a `#Fields:` directive line (without its newline), or returns nil for any other line.
    init?(directiveLine line: UnsafeBufferPointer<UInt8>) {
        guard line.count > Self.directive.count,
            memcmp(line.baseAddress!, Self.directive, Self.directive.count) == 0
        else { return nil }
        let names = String(decoding: UnsafeBufferPointer(rebasing: line[Self.directive.count...]), as: UTF8.self)
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        let dateColumn = names.firstIndex(of: "date")
        let timeColumn = names.firstIndex(of: "time")
        guard dateColumn != nil || timeColumn != nil else { return nil }
        self.names = names
        self.dateColumn = dateColumn
        self.timeColumn = timeColumn
        keys = names.map(Self.key(forField:))
    }

    /// Returns the key that names the meaning of a field: the header of `cs(Header)`, or the
    /// field name without its `c-`, `s-`, `cs-`, `sc-`, `sr-`, `rs-` or `x-` prefix.
    static func key(forField field: String) -> String? {
        let lower = field.lowercased()
        var key = lower
        if let open = lower.firstIndex(of: "("), lower.hasSuffix(")") {
            key = String(lower[lower.index(after: open)..<lower.index(before: lower.endIndex)])
        } else if let dash = lower.firstIndex(of: "-"), ["c", "s", "cs", "sc", "sr", "rs", "x"].contains(lower[..<dash]) {
            key = String(lower[lower.index(after: dash)...])
        }
        switch key {
        case "computername": return "hostname"
        // The pattern rules and the key-value scan find the identifiers in addresses, URLs and
        // queries by their shape. The site name (W3SVC1) and the rest identify no one.
        case "ip", "uri", "uri-stem", "uri-query", "referer", "sitename", "user-agent": return nil
        default: return key
        }
    }

    /// Returns whether `buffer` contains a `#Fields:` directive at the start of a line.
    static func hasDirective(in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        while let found = Redactor.find(directive, in: buffer, from: start, to: buffer.count) {
            if found == 0 || buffer[found - 1] == 0x0A { return true }
            start = found + 1
        }
        return false
    }

    /// Returns the byte ranges of the data fields of `line`, relative to the line. Returns nil,
    /// and leaves the line to the other rules, when it does not have one field per column or
    /// lacks the date or time its directive names.
    func fieldRanges(of line: UnsafeBufferPointer<UInt8>) -> [Range<Int>]? {
        var end = line.count
        if end > 0, line[end - 1] == 0x0D { end -= 1 }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(names.count)
        var start = 0
        for index in 0..<end where line[index] == 0x20 {
            ranges.append(start..<index)
            start = index + 1
        }
        ranges.append(start..<end)
        guard ranges.count == names.count else { return nil }
        if let column = dateColumn, !Self.matches(UnsafeBufferPointer(rebasing: line[ranges[column]]), shape: "dddd-dd-dd") {
            return nil
        }
        if let column = timeColumn, !Self.matches(UnsafeBufferPointer(rebasing: line[ranges[column]]).prefix(8), shape: "dd:dd:dd") {
            return nil
        }
        return ranges
    }

    /// Returns whether `field` has the shape `shape`, where `d` stands for any ASCII digit.
    static func matches<Field: Collection<UInt8>>(_ field: Field, shape: StaticString) -> Bool {
        guard field.count == shape.utf8CodeUnitCount else { return false }
        return zip(field, UnsafeBufferPointer(start: shape.utf8Start, count: shape.utf8CodeUnitCount)).allSatisfy { byte, expected in
            expected == UInt8(ascii: "d") ? (byte >= 0x30 && byte <= 0x39) : byte == expected
        }
    }
}

extension Redactor {
    /// Returns a key-value span for each field of each W3C data line in `buffer` whose column
    /// names a rule (`cs-username`, `s-computername`, `cs(Cookie)`). The current directive is kept
    /// in `log`, so a streamed file's later blocks read their lines by the directive of an
    /// earlier one.
    func w3cFieldSpans(in buffer: UnsafeBufferPointer<UInt8>, log: inout RedactionLog) -> [Span] {
        var spans: [Span] = []
        var lineStart = 0
        var rules: [CompiledRule?] = log.w3cFields.map(columnRules) ?? []
        while lineStart < buffer.count {
            let lineEnd = buffer[lineStart...].firstIndex(of: 0x0A) ?? buffer.count
            let line = UnsafeBufferPointer(rebasing: buffer[lineStart..<lineEnd])
            defer { lineStart = lineEnd + 1 }
            if line.first == UInt8(ascii: "#") {
                if let fields = W3CFields(directiveLine: line) {
                    log.w3cFields = fields
                    rules = columnRules(fields)
                }
                continue
            }
            guard let fields = log.w3cFields, rules.contains(where: { $0 != nil }),
                let ranges = fields.fieldRanges(of: line)
            else { continue }
            for (column, range) in ranges.enumerated() {
                guard let rule = rules[column], !range.isEmpty,
                    !(range.count == 1 && line[range.lowerBound] == UInt8(ascii: "-"))
                else { continue }
                let absolute = (lineStart + range.lowerBound)..<(lineStart + range.upperBound)
                spans.append(Span(range: absolute, rule: rule, origin: .keyValue(KeyValueContext(key: fields.names[column]))))
            }
        }
        return spans
    }

    private func columnRules(_ fields: W3CFields) -> [CompiledRule?] {
        fields.keys.map { key in key.flatMap { compiled.rule(forKey: $0) } }
    }
}
