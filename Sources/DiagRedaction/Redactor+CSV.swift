import DiagSupport

extension Redactor {
    /// Redacts a CSV or TSV table by column: each cell under a header that a `keys` or `labels`
    /// rule matches (`user_id`, `tenant`, `nin`) is replaced by that rule, and every other cell,
    /// the header included, is redacted as text. Returns nil when the text is not a table that
    /// parses, so the caller redacts it as text.
    func redactCSV(_ text: String, separator: Character, log: inout RedactionLog) throws -> String? {
        guard var table = CSVTable(text, separator: separator), let header = table.records.first, table.records.count > 1,
            header.fields.allSatisfy({ Self.isColumnName($0.value) })
        else { return nil }
        let columns = header.fields.map { field -> CompiledRule? in
            let name = field.value.trimmingCharacters(in: .whitespaces)
            return compiled.rule(forKey: name) ?? compiled.rule(forKey: Self.snakeCased(name))
        }

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

    /// Returns a column name as a snake-case key, as bank and spreadsheet exports write names in
    /// words (`SOURCE ACCOUNT NUMBER`, `Account Name` become `source_account_number`,
    /// `account_name`).
    static func snakeCased(_ name: String) -> String {
        name.lowercased().split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "\t" }).joined(separator: "_")
    }

    /// Returns whether a cell of the first row reads as a column name: empty, or at most 64 characters
    /// in at most four words, not starting with a digit and without quotes or backslashes. A file
    /// without a header row, such as PostgreSQL's csvlog, starts with a timestamp and is
    /// redacted as text instead of having its first record taken for column names.
    static func isColumnName(_ cell: String) -> Bool {
        let name = cell.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return true }
        guard name.utf8.count <= 64, let first = name.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        guard !name.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
        return name.split(separator: " ").count <= 4
    }
}
