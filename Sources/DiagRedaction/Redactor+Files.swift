import DiagSupport
import Foundation

extension Redactor {
    /// Redacts one file by its format: `.json` as JSON (written back in its own layout, or line
    /// by line when it has one document per line), `.jsonl` and `.ndjson` line by line, `.yaml` and `.yml` as YAML, `.csv` and `.tsv`
    /// by column when they parse as a table, anything else as text unless it parses as a JSON
    /// document.
    ///
    /// Throws `RedactionError` (and records nothing) when the data is binary (contains NUL
    /// bytes), is not valid UTF-8, does not parse in its declared format, or the engine fails,
    /// so the caller leaves the file out. An empty file comes back empty.
    /// With `sweepsKnownValues`, every value that a rule replaced in the file is also replaced
    /// wherever else it appears on its own in that file (`KnownValueSweep`), as `collect` does
    /// across a bundle. So a password found by its key is also removed from the prose lines, and
    /// the other JSON or YAML values, that repeat it. A swept JSON or YAML copy that no longer
    /// parses is dropped for the unswept one.
    public func redactFile(name: String, data: Data, sweepsKnownValues: Bool = false) throws -> Data {
        guard !data.isEmpty else { return data }
        if data.contains(0) { throw RedactionError.binary(file: name) }
        if let offset = Self.firstInvalidUTF8Offset(data) { throw RedactionError.invalidUTF8(file: name, offset: offset) }
        let text = String(decoding: data, as: UTF8.self)

        let fileExtension = (name as NSString).pathExtension.lowercased()
        switch fileExtension {
        case "yaml", "yml":
            guard sweepsKnownValues else { return Data(try redactYAML(text, file: name).utf8) }
            return try withLog(file: name) { log in
                let scope = allowlistScope(for: name, log: &log)
                let output = Data(try redactYAML(text, log: &log, scope: scope).utf8)
                return sweep(output, log: &log) { (try? YAMLDocument.parseAll(String(decoding: $0, as: UTF8.self))) != nil }
            }
        case "json":
            let value: JSONValue
            do {
                value = try JSONValue.parse(data)
            } catch {
                // `journalctl -o json` and many loggers write one document per line, and operators
                // save that as .json.
                if Self.isJSONLines(text) {
                    return try withLog(file: name) { log in
                        let output = Data(try redactJSONLines(text, log: &log).utf8)
                        return sweepsKnownValues ? applySiteSweep(output, log: &log) : output
                    }
                }
                throw RedactionError.malformed(file: name, format: "JSON", reason: error.operatorMessage)
            }
            return try withLog(file: name) { log in
                let output = try redactJSONFile(value, data: data, log: &log)
                guard sweepsKnownValues else { return output }
                return sweep(output, log: &log) { (try? JSONValue.parse($0)) != nil }
            }
        case "jsonl", "ndjson":
            return try withLog(file: name) { log in
                let output = Data(try redactJSONLines(text, log: &log).utf8)
                return sweepsKnownValues ? applySiteSweep(output, log: &log) : output
            }
        default:
            let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
            if let first = trimmed.first, first == "{" || first == "[", let value = try? JSONValue.parse(data) {
                return try withLog(file: name) { log in
                    let output = try redactJSONFile(value, data: data, log: &log)
                    guard sweepsKnownValues else { return output }
                    return sweep(output, log: &log) { (try? JSONValue.parse($0)) != nil }
                }
            }
            return try withLog(file: name) { log in
                var table: String?
                if fileExtension == "csv" {
                    table = try redactCSV(text, separator: ",", log: &log)
                } else if fileExtension == "tsv" {
                    table = try redactCSV(text, separator: "\t", log: &log)
                }
                let output = Data((try table ?? redactText(text, log: &log)).utf8)
                let swept = sweepsKnownValues ? sweep(output, log: &log) { _ in true } : output
                guard Self.isXML(file: name, text: text) else { return swept }
                return Data(Self.escapingMarkers(inXML: String(decoding: swept, as: UTF8.self)).utf8)
            }
        }
    }

    /// Returns `output` with every value replaced in this file, the short names of its replaced
    /// hosts (`shortHostNames(of:)`), and then the site's known identifiers
    /// (`sweepSiteIdentifiers(from:)`), swept from it, counted in `log`. Each sweep whose copy
    /// fails `stillParses` is dropped.
    private func sweep(_ output: Data, log: inout RedactionLog, stillParses: (Data) -> Bool) -> Data {
        var output = output
        let recorded = withoutKeyNames(log.replaced)
        let short = Self.shortHostNames(of: recorded)
        let (swept, counts) = KnownValueSweep(recorded: recorded.merging(short) { own, _ in own }).apply(to: output)
        if !counts.isEmpty, stillParses(swept) {
            for (rule, count) in counts { log.report.add(rule: rule, file: log.file, count: count) }
            recordShortHostNames(short, foundIn: output, log: &log)
            output = swept
        }
        return applySiteSweep(output, log: &log, stillParses: stillParses)
    }

    /// Redacts `value`, the document that `data` contains, and writes it in the layout of `data`: the
    /// same indentation, member order and number spelling, so a copy compares line by line with
    /// its original. A document whose redacted form does not line up with `data` is written with
    /// sorted keys and two-space indentation instead.
    func redactJSONFile(_ value: JSONValue, data: Data, log: inout RedactionLog) throws -> Data {
        let redacted = try redactJSONDocument(value, log: &log)
        return JSONValue.serialized(redacted, inLayoutOf: data, renamedKeys: log.renamedKeys) ?? redacted.serialized()
    }

    /// Returns whether `text` contains two or more JSON documents, one object or array per line,
    /// with nothing else but blank lines.
    static func isJSONLines(_ text: String) -> Bool {
        var documents = 0
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            if trimmed.isEmpty { continue }
            guard let first = trimmed.first, first == "{" || first == "[", (try? JSONValue.parse(Data(trimmed.utf8))) != nil else {
                return false
            }
            documents += 1
        }
        return documents >= 2
    }

    /// Runs `body` with a fresh log and commits the log only when `body` succeeds.
    private func withLog<Result>(file: String, _ body: (inout RedactionLog) throws -> Result) throws -> Result {
        var log = RedactionLog(file: file)
        do {
            let result = try body(&log)
            commit(log)
            return result
        } catch let error as RedactionError {
            throw error
        } catch {
            throw RedactionError.engine(file: file, reason: error.operatorMessage)
        }
    }

    /// Redacts JSON Lines: each line that parses as JSON is redacted as JSON and written in its
    /// own layout (compactly with sorted keys when the two do not line up), any other line as text.
    func redactJSONLines(_ text: String, log: inout RedactionLog) throws -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let values = lines.map { $0.isEmpty ? nil : try? JSONValue.parse(String($0)) }
        for value in values.compactMap({ $0 }) { learn(fromJSON: value, log: &log) }

        var output: [String] = []
        for (line, value) in zip(lines, values) {
            if line.isEmpty {
                output.append("")
            } else if let value {
                let redacted = try redactJSON(value, log: &log, depth: 0)
                if let kept = JSONValue.serialized(redacted, inLayoutOf: Data(line.utf8), renamedKeys: log.renamedKeys) {
                    output.append(String(decoding: kept, as: UTF8.self))
                } else {
                    output.append(redacted.serializedString(pretty: false))
                }
            } else {
                output.append(try redactText(String(line), log: &log))
            }
        }
        return output.joined(separator: "\n")
    }

    /// Returns the offset of the first byte that is not part of valid UTF-8 (RFC 3629: no overlong
    /// forms, no surrogates, nothing above U+10FFFF), or nil when the data is valid.
    static func firstInvalidUTF8Offset(_ data: Data) -> Int? {
        data.withUnsafeBytes { raw in firstInvalidUTF8Offset(raw.bindMemory(to: UInt8.self)) }
    }

    static func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var index = 0
        while index < bytes.count {
            // Skip ASCII eight bytes at a time.
            while index + 8 <= bytes.count,
                UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
            }
            guard index < bytes.count else { break }
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return index
            }
            guard index + length <= bytes.count else { return index }
            guard (low...high).contains(bytes[index + 1]) else { return index }
            for offset in 2..<max(length, 2) where !(0x80...0xBF).contains(bytes[index + offset]) {
                return index
            }
            index += length
        }
        return nil
    }
}
