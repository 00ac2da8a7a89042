/// A CSV or TSV text split into records and fields, as RFC 4180 describes: a field in double
/// quotes may contain the separator, line breaks and doubled quotes. The table writes itself back
/// with the original line breaks, each field quoted as it was or where its new value needs it.
struct CSVTable {
    struct Field {
        var value: String
        var wasQuoted: Bool
    }

    struct Record {
        var fields: [Field]
        /// The line break after the record: "\n", "\r\n" or "" for a last line without one.
        var lineBreak: String
    }

    var records: [Record]
    let separator: Character

    /// Parses `text`. Returns nil when a quoted field is not closed, or when a closing quote is
    /// followed by something other than the separator or a line break. The caller then treats
    /// the text as plain text.
    init?(_ text: String, separator: Character) {
        self.separator = separator
        var records: [Record] = []
        var fields: [Field] = []
        var value = ""
        var quoted = false
        var index = text.startIndex

        func endField() {
            fields.append(Field(value: value, wasQuoted: quoted))
            value = ""
            quoted = false
        }

        while index < text.endIndex {
            let character = text[index]
            if value.isEmpty, !quoted, character == "\"" {
                // A quoted field runs to the next quote that is not doubled.
                quoted = true
                index = text.index(after: index)
                var closed = false
                while index < text.endIndex {
                    if text[index] == "\"" {
                        let next = text.index(after: index)
                        if next < text.endIndex, text[next] == "\"" {
                            value.append("\"")
                            index = text.index(after: next)
                            continue
                        }
                        index = next
                        closed = true
                        break
                    }
                    value.append(text[index])
                    index = text.index(after: index)
                }
                guard closed else { return nil }
                if index < text.endIndex, text[index] != separator, text[index] != "\n", text[index] != "\r\n" { return nil }
                continue
            }
            if character == separator {
                endField()
            } else if character == "\n" || character == "\r\n" {
                endField()
                records.append(Record(fields: fields, lineBreak: String(character)))
                fields = []
            } else {
                value.append(character)
            }
            index = text.index(after: index)
        }
        if !value.isEmpty || quoted || !fields.isEmpty {
            endField()
            records.append(Record(fields: fields, lineBreak: ""))
        }
        self.records = records
    }

    /// Returns the table as text: each field quoted as it was, or quoted when its value contains
    /// the separator, a quote or a line break.
    func rendered() -> String {
        var output = ""
        for record in records {
            for (position, field) in record.fields.enumerated() {
                if position > 0 { output.append(separator) }
                let needsQuotes = field.value.contains { $0 == separator || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
                if field.wasQuoted || needsQuotes {
                    output += "\"" + field.value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                } else {
                    output += field.value
                }
            }
            output += record.lineBreak
        }
        return output
    }
}
