import DiagSupport
import Foundation

/// One labeled Loghub-2k dataset: raw lines with their message content and event labels.
///
/// The data come from Loghub (Jieming Zhu, Shilin He, Pinjia He, Jinyang Liu, Michael R. Lyu,
/// "Loghub: A Large Collection of System Log Datasets for AI-driven Log Analytics", ISSRE 2023,
/// https://github.com/logpai/loghub), which is free for research and academic work under its
/// license. The labels are those of `<Name>_2k.log_structured_corrected.csv` (Khan et al.'s
/// corrections). Only paths are handled here; the data are never copied.
public struct LoghubDataset: Sendable {
    public var name: String
    /// The raw lines, headers included, without line terminators.
    public var rawLines: [String]
    /// The `Content` column: each line's message without its header.
    public var contents: [String]
    /// The `EventId` column.
    public var eventIDs: [String]
    /// The `EventTemplate` column.
    public var eventTemplates: [String]

    /// Returns the datasets in the subfolders of `directory` that have a `_2k.log` file and labels, by name.
    public static func loadAll(from directory: URL) throws -> [LoghubDataset] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw DiagError.noInput("cannot list the Loghub folder \(directory.path): \(error.localizedDescription)")
        }
        return try names.compactMap { name in
            let folder = directory.appendingPathComponent(name)
            let labels = folder.appendingPathComponent("\(name)_2k.log_structured_corrected.csv")
            guard FileManager.default.fileExists(atPath: labels.path) else { return nil }
            return try load(name: name, from: folder)
        }
    }

    /// Reads `<name>_2k.log` and its corrected labels from `folder`.
    public static func load(name: String, from folder: URL) throws -> LoghubDataset {
        let logURL = folder.appendingPathComponent("\(name)_2k.log")
        let labelURL = folder.appendingPathComponent("\(name)_2k.log_structured_corrected.csv")
        let rawLines = try lines(of: read(logURL))
        let rows = CSVReader.rows(of: try read(labelURL))
        guard let heading = rows.first,
            let contentColumn = heading.firstIndex(of: "Content"),
            let idColumn = heading.firstIndex(of: "EventId"),
            let templateColumn = heading.firstIndex(of: "EventTemplate")
        else {
            throw DiagError.data("\(labelURL.path) has no Content, EventId and EventTemplate columns; use a Loghub structured CSV")
        }
        let records = rows.dropFirst().filter { $0.count > max(contentColumn, idColumn, templateColumn) }
        guard records.count == rawLines.count else {
            throw DiagError.data(
                "\(labelURL.path) has \(records.count) labeled rows but \(logURL.path) has \(rawLines.count) lines; use matching files"
            )
        }
        return LoghubDataset(
            name: name, rawLines: rawLines, contents: records.map { $0[contentColumn] },
            eventIDs: records.map { $0[idColumn] }, eventTemplates: records.map { $0[templateColumn] })
    }

    private static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw DiagError.noInput("cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    /// Splits on LF, drops a CR before it and a final empty line; invalid UTF-8 is replaced.
    private static func lines(of data: Data) -> [String] {
        var lines = data.split(separator: ASCII.newline, omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.last == ASCII.carriageReturn ? line.dropLast() : line
            return String(decoding: trimmed, as: UTF8.self)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// A reader for RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks.
enum CSVReader {
    static func rows(of data: Data) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            index += 1
            if inQuotes {
                if byte == ASCII.quote {
                    if index < data.endIndex, data[index] == ASCII.quote {
                        field.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case ASCII.quote:
                inQuotes = true
            case ASCII.comma:
                row.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            case ASCII.newline:
                row.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                rows.append(row)
                row = []
            case ASCII.carriageReturn:
                break
            default:
                field.append(byte)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(String(decoding: field, as: UTF8.self))
            rows.append(row)
        }
        return rows
    }
}
