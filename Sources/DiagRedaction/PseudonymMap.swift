import DiagSupport
import Foundation

/// The local table from pseudonyms back to the originals, so an operator can read support's
/// reply ("host-1a2b3c4d is down") in real names. It never leaves the site: it is written with
/// mode 0600 and contains no secrets, because secret kinds are never recorded.
public struct PseudonymMap: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var original: String
        public var kind: String

        public init(original: String, kind: String) {
            self.original = original
            self.kind = kind
        }
    }

    public static let formatVersion: Int64 = 1

    /// Entries by pseudonym.
    public private(set) var entries: [String: Entry] = [:]

    public init() {}

    public var count: Int { entries.count }

    public func original(for pseudonym: String) -> String? {
        entries[pseudonym]?.original
    }

    /// Records one pair; when the pseudonym is already mapped, the first original stays.
    public mutating func record(pseudonym: String, original: String, kind: RuleKind) {
        guard pseudonym != original, entries[pseudonym] == nil else { return }
        entries[pseudonym] = Entry(original: original, kind: kind.rawValue)
    }

    /// Adds the entries of `other` that this map does not have yet.
    public mutating func merge(_ other: PseudonymMap) {
        entries.merge(other.entries) { mine, _ in mine }
    }

    /// Replaces every known pseudonym in `text` by its original, longest first where two start at
    /// the same place. A pseudonym glued to a letter or digit on either side is left alone, so
    /// `user-1a2b3c4d` inside `user-1a2b3c4dff` is not touched.
    public func unmap(text: String) -> String {
        guard !entries.isEmpty, !text.isEmpty else { return text }
        let pseudonyms = entries.keys.sorted()
        let matcher = MultiPatternMatcher(patterns: pseudonyms.map { Array($0.utf8) })
        var bytes = Array(text.utf8)

        var hits: [(start: Int, end: Int, index: Int)] = []
        bytes.withUnsafeBufferPointer { buffer in
            matcher.forEachMatch(in: buffer) { index, end in
                let start = end - matcher.patterns[index].count
                if Self.isWholeToken(start: start, end: end, in: buffer) { hits.append((start, end, index)) }
            }
        }
        hits.sort { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }

        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        for hit in hits where hit.start >= position {
            output.append(contentsOf: bytes[position..<hit.start])
            output.append(contentsOf: Array(entries[pseudonyms[hit.index]]!.original.utf8))
            position = hit.end
        }
        output.append(contentsOf: bytes[position...])
        bytes = output
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Returns whether no letter or digit is glued to the match at `start..<end` on either side.
    static func isWholeToken(start: Int, end: Int, in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
        if start > 0, isAlphanumeric(buffer[start]), isAlphanumeric(buffer[start - 1]) { return false }
        if end < buffer.count, isAlphanumeric(buffer[end - 1]), isAlphanumeric(buffer[end]) { return false }
        return true
    }

    // MARK: - Files

    /// Returns the map as JSON: `{"version": 1, "entries": {pseudonym: {"kind": …, "original": …}}}`.
    public func jsonValue() -> JSONValue {
        let members = entries.mapValues { entry -> JSONValue in
            ["kind": .string(entry.kind), "original": .string(entry.original)]
        }
        return ["version": .int(Self.formatVersion), "entries": .object(members)]
    }

    /// Writes the map to `url` with mode 0600, merged with the map already there (whose entries win);
    /// a missing folder is created with mode 0700.
    public func save(to url: URL) throws {
        try SecureFiles.createDirectory(at: url.deletingLastPathComponent(), mode: 0o700)
        var merged = self
        if FileManager.default.fileExists(atPath: url.path) {
            let existing = try Self.load(from: url)
            merged = existing
            merged.merge(self)
        }
        try FileSafety.writeAtomically(merged.serializedCompactly(), to: url, mode: 0o600)
    }

    /// Returns the JSON of `jsonValue()` on one line, written entry by entry, because a
    /// `JSONValue` tree of a large map takes several times the map's own memory.
    func serializedCompactly() -> Data {
        var output = Data()
        output.append(contentsOf: Array(#"{"entries":{"#.utf8))
        for (index, pseudonym) in entries.keys.sorted().enumerated() {
            let entry = entries[pseudonym]!
            if index > 0 { output.append(UInt8(ascii: ",")) }
            output.append(JSONValue.string(pseudonym).serialized(pretty: false))
            output.append(contentsOf: Array(#":{"kind":"#.utf8))
            output.append(JSONValue.string(entry.kind).serialized(pretty: false))
            output.append(contentsOf: Array(#","original":"#.utf8))
            output.append(JSONValue.string(entry.original).serialized(pretty: false))
            output.append(UInt8(ascii: "}"))
        }
        output.append(contentsOf: Array("},\"version\":\(Self.formatVersion)}\n".utf8))
        return output
    }

    public static func load(from url: URL) throws -> PseudonymMap {
        let data = try FileSafety.read(url)
        let root: JSONValue
        do {
            root = try JSONValue.parse(data)
        } catch {
            throw DiagError.data("the pseudonym map \(url.path) is not valid JSON (\(error.operatorMessage)); restore it from a backup or move it away")
        }
        guard root["version"]?.intValue == formatVersion, case .object(let members)? = root["entries"] else {
            throw DiagError.data(
                "the pseudonym map \(url.path) is not a version \(formatVersion) map with an 'entries' object; move it away to start a new one")
        }
        var map = PseudonymMap()
        for (pseudonym, value) in members {
            guard let original = value["original"]?.stringValue, let kind = value["kind"]?.stringValue else {
                throw DiagError.data(
                    "the pseudonym map \(url.path) has an entry without 'original' and 'kind'; move the file away to start a new one")
            }
            map.entries[pseudonym] = Entry(original: original, kind: kind)
        }
        return map
    }
}
