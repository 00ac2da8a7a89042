import DiagSupport
import Foundation

extension KeyValueScanner {
    /// An SQL `INSERT` with a column list and one row of values on one line:
    /// `INSERT INTO kyc_checks (tenant_id, nin) VALUES ('tnt-0107', '70123456789')`.
    static let insertRegex = try! PCRE2Regex(
        #"(?i)\binsert[ \t]+(?:ignore[ \t]+)?into[ \t]+[A-Za-z0-9_."`\[\]]{1,128}[ \t]*\((?<columns>[^()\r\n]{1,2048})\)[ \t]*values[ \t]*\("#)
    static let insertColumnsGroup = insertRegex.groupNumber(named: "columns")!

    /// Returns the values of an SQL `INSERT` whose column a key rule names, pairing the column
    /// list with the first row of values by position, as a database's statement log shows it. A
    /// row whose values cannot be read one for one (a nested call, a missing closing parenthesis)
    /// is skipped, and the pattern rules still see its text.
    static func scanInsertValues(_ buffer: UnsafeBufferPointer<UInt8>, ruleForKey: (String) -> CompiledRule?) throws
        -> [Span]
    {
        guard containsCaseless(buffer, Array("values".utf8)) else { return [] }
        return try insertRegex.withSession(largeJITStack: buffer.count > PCRE2Regex.smallSubjectLimit) { session in
            var spans: [Span] = []
            var offset = 0
            while offset < buffer.count, let match = try insertRegex.firstMatch(in: buffer, from: offset, session: session) {
                offset = match.range.upperBound
                guard let columnsRange = match.range(ofGroup: insertColumnsGroup),
                    let values = rowValues(buffer, from: match.range.upperBound)
                else { continue }
                let columns = text(buffer, columnsRange).split(separator: ",").map { column in
                    column.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"`[]"))
                }
                guard columns.count == values.count else { continue }
                for (column, value) in zip(columns, values) where !value.isEmpty {
                    guard let rule = ruleForKey(column) else { continue }
                    spans.append(Span(range: value, rule: rule, origin: .keyValue(KeyValueContext(key: column))))
                }
            }
            return spans
        }
    }

    /// Returns the ranges of the values of one row, from just after its opening parenthesis to the
    /// closing one: quoted strings without their quotes (a doubled quote stays inside), and
    /// unquoted numbers and words. Returns nil when a value is itself an expression in parentheses
    /// or the row does not close on its line.
    private static func rowValues(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> [Range<Int>]? {
        var values: [Range<Int>] = []
        var index = start
        while index < buffer.count {
            while index < buffer.count, buffer[index] == 0x20 || buffer[index] == 0x09 { index += 1 }
            guard index < buffer.count else { return nil }
            let first = buffer[index]
            if first == UInt8(ascii: "'") {
                var end = index + 1
                while end < buffer.count {
                    if buffer[end] == UInt8(ascii: "'") {
                        if end + 1 < buffer.count, buffer[end + 1] == UInt8(ascii: "'") {
                            end += 2
                            continue
                        }
                        break
                    }
                    if buffer[end] == 0x0A { return nil }
                    end += 1
                }
                guard end < buffer.count else { return nil }
                values.append((index + 1)..<end)
                index = end + 1
            } else {
                var end = index
                while end < buffer.count, ![UInt8(ascii: ","), UInt8(ascii: ")"), UInt8(ascii: "("), 0x0A].contains(buffer[end]) {
                    end += 1
                }
                guard end < buffer.count, buffer[end] != UInt8(ascii: "("), buffer[end] != 0x0A else { return nil }
                var trimmed = end
                while trimmed > index, buffer[trimmed - 1] == 0x20 || buffer[trimmed - 1] == 0x09 { trimmed -= 1 }
                // NULL, numbers and DEFAULT name nothing; a key rule's allow list keeps them too.
                values.append(index..<trimmed)
                index = end
            }
            while index < buffer.count, buffer[index] == 0x20 || buffer[index] == 0x09 { index += 1 }
            guard index < buffer.count else { return nil }
            if buffer[index] == UInt8(ascii: ")") { return values }
            guard buffer[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
        return nil
    }

    /// Returns whether `buffer` contains `needle`, a lower-case ASCII word, in any case.
    private static func containsCaseless(_ buffer: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard buffer.count >= needle.count else { return false }
        for index in 0...(buffer.count - needle.count) where buffer[index] | 0x20 == needle[0] {
            if matches(buffer, at: index, needle, caseless: true) { return true }
        }
        return false
    }
}
