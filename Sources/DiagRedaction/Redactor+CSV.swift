import DiagSupport

extension Redactor {
    /// Redacts a CSV or TSV table by column: each cell under a header that a `keys` or `labels`
    /// rule matches (`user_id`, `tenant`, `nin`) is replaced by that rule, and every other cell,
    /// the header included, is redacted as text. Returns nil when the text is not a table that
    /// parses, so the caller redacts it as text.
    func redactCSV(_ text: String, separator: Character, log: inout RedactionLog) throws -> String? {
        guard var table = CSVTable(text, separator: separator), let header = table.records.first, table.records.count > 1
        else { return nil }
        let columns = header.fields.map { field in compiled.rule(forKey: field.value.trimmingCharacters(in: .whitespaces)) }

        for (row, record) in table.records.enumerated() {
            for (column, field) in record.fields.enumerated() where !field.value.isEmpty {
                var value = field.value
                if row > 0, column < columns.count, let rule = columns[column] {
                    let context = KeyValueContext(key: header.fields[column].value)
                    if let replaced = try replacement(for: value, rule: rule, context: context, log: &log) {
                        log.report.add(rule: rule.id, file: log.file)
                        value = replaced
                    }
                } else {
                    value = try redactText(value, log: &log, keyValues: row > 0)
                }
                table.records[row].fields[column].value = value
            }
        }
        return table.rendered()
    }
}
