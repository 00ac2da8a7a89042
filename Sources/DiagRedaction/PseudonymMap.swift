import DiagSupport
import Foundation

/// The local table from pseudonyms back to the originals, so an operator can read support's
/// reply ("host-1a2b3c4d is down") in real names. It never leaves the site: it is written with
/// mode 0600 and contains no secrets, because secret kinds are never recorded.
///
/// No pseudonym is silently mapped to one of two values. The pseudonymizer re-keys a value whose
/// pseudonym is taken, but a run that did not load the site's map first cannot know of the
/// values of earlier runs. When two maps then disagree, the entry keeps every original and is
/// ambiguous: `original(for:)` returns nil, and `unmap(text:)` lists the candidates.
public struct PseudonymMap: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var original: String
        public var kind: String
        /// Other values that the same pseudonym was recorded for, in the order they were found.
        public var otherOriginals: [String]

        public init(original: String, kind: String, otherOriginals: [String] = []) {
            self.original = original
            self.kind = kind
            self.otherOriginals = otherOriginals
        }

        /// Whether the pseudonym was recorded for more than one value.
        public var isAmbiguous: Bool { !otherOriginals.isEmpty }

        /// Every value the pseudonym was recorded for.
        public var originals: [String] { [original] + otherOriginals }

        /// Adds `value` as another original unless it is, or spells, one already recorded.
        mutating func add(_ value: String) {
            // The same spelling again, the common case, needs no identities.
            if value == original || otherOriginals.contains(value) { return }
            let kindValue = RuleKind(rawValue: kind)
            let identity = { (text: String) in kindValue.map { Pseudonymizer.identity(of: text, kind: $0) } ?? text }
            let known = Set(originals.map(identity))
            if !known.contains(identity(value)) { otherOriginals.append(value) }
        }
    }

    public static let formatVersion: Int64 = 1

    /// Entries by pseudonym.
    public private(set) var entries: [String: Entry] = [:]

    public init() {}

    public var count: Int { entries.count }

    /// Returns the original of `pseudonym`, or nil when it is unknown or ambiguous.
    public func original(for pseudonym: String) -> String? {
        guard let entry = entries[pseudonym], !entry.isAmbiguous else { return nil }
        return entry.original
    }

    /// Returns every original recorded for `pseudonym`: none, one, or several when ambiguous.
    public func originals(for pseudonym: String) -> [String] {
        entries[pseudonym]?.originals ?? []
    }

    /// The pseudonyms recorded for more than one value.
    public var ambiguousPseudonyms: [String] {
        entries.filter { $0.value.isAmbiguous }.keys.sorted()
    }

    /// Records one pair. When the pseudonym already stands for another value, the entry keeps
    /// both and becomes ambiguous; another spelling of the same value changes nothing.
    public mutating func record(pseudonym: String, original: String, kind: RuleKind) {
        guard pseudonym != original else { return }
        guard entries[pseudonym] != nil else {
            entries[pseudonym] = Entry(original: original, kind: kind.rawValue)
            return
        }
        entries[pseudonym]!.add(original)
    }

    /// Adds the entries of `other`. A pseudonym both maps have for different values keeps this
    /// map's original first and becomes ambiguous.
    public mutating func merge(_ other: PseudonymMap) {
        for (pseudonym, theirs) in other.entries {
            guard entries[pseudonym] != nil else {
                entries[pseudonym] = theirs
                continue
            }
            for original in theirs.originals { entries[pseudonym]!.add(original) }
        }
    }

    /// Replaces every known pseudonym in `text` by its original, longest first where two start at
    /// the same place. A pseudonym glued to a letter or digit on either side is left alone, so
    /// `user-1a2b3c4d` inside `user-1a2b3c4dff` is not touched. An ambiguous pseudonym becomes
    /// `[ambiguous tenant-3f9a1c20: acme | zenith]`, naming every candidate.
    /// An email pseudonym also matches in its percent-encoded form (`user-1a2b3c4d%40example-….com`,
    /// as a URL's query carries it) and becomes the original encoded the same way.
    public func unmap(text: String) -> String {
        guard !entries.isEmpty, !text.isEmpty else { return text }
        var pseudonyms = entries.keys.sorted()
        var encoded: [String: String] = [:]
        for pseudonym in pseudonyms where pseudonym.contains("@") && entries[pseudonym]?.kind == RuleKind.email.rawValue {
            encoded[pseudonym.replacingOccurrences(of: "@", with: "%40")] = pseudonym
        }
        pseudonyms += encoded.keys.sorted()
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
            let pseudonym = encoded[pseudonyms[hit.index]] ?? pseudonyms[hit.index]
            let entry = entries[pseudonym]!
            var replacement = entry.isAmbiguous
                ? "[ambiguous \(pseudonym): \(entry.originals.joined(separator: " | "))]" : entry.original
            if encoded[pseudonyms[hit.index]] != nil {
                replacement = replacement.replacingOccurrences(of: "@", with: "%40")
            }
            output.append(contentsOf: Array(replacement.utf8))
            position = hit.end
        }
        output.append(contentsOf: bytes[position...])
        bytes = output
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Returns how many of the map's pseudonyms occur, as whole tokens, in `documents`. A reseal
    /// uses it to tell whether the map belongs to the key that made a bundle.
    public func pseudonymsFound(in documents: [String: Data]) -> Int {
        let pseudonyms = entries.keys.filter { $0.utf8.count >= LeakScanner.minimumLength }.sorted()
        guard !pseudonyms.isEmpty else { return 0 }
        let matcher = MultiPatternMatcher(patterns: pseudonyms.map { Array($0.utf8) })
        var found = Set<Int>()
        for data in documents.values {
            data.withUnsafeBytes { raw in
                let buffer = raw.bindMemory(to: UInt8.self)
                matcher.forEachMatch(in: buffer) { index, end in
                    if Self.isWholeToken(start: end - matcher.patterns[index].count, end: end, in: buffer) { found.insert(index) }
                }
            }
        }
        return found.count
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

    /// Returns the map as JSON: `{"version": 1, "entries": {pseudonym: {"kind": …, "original": …}}}`,
    /// with `"other_originals": […]` in an ambiguous entry.
    public func jsonValue() -> JSONValue {
        let members = entries.mapValues { entry -> JSONValue in
            var member: [String: JSONValue] = ["kind": .string(entry.kind), "original": .string(entry.original)]
            if entry.isAmbiguous { member["other_originals"] = .array(entry.otherOriginals.map { .string($0) }) }
            return .object(member)
        }
        return ["version": .int(Self.formatVersion), "entries": .object(members)]
    }

    /// Writes the map to `url` with mode 0600, merged with the map already there (whose entries win);
    /// a missing folder is created with mode 0700.
    ///
    /// When the file there is the one `load(from:)` last read in this process, unchanged since,
    /// the merge starts from that map instead of reading the file again. When the merge adds
    /// nothing, the file is left as it is. A site's map grows with every run, and reading it
    /// costs about 10 µs an entry (docs/BENCHMARKS.md).
    public func save(to url: URL) throws {
        try SecureFiles.createDirectory(at: url.deletingLastPathComponent(), mode: 0o700)
        var merged = self
        if FileManager.default.fileExists(atPath: url.path) {
            let existing = try Self.lastLoaded.map(at: url) ?? Self.load(from: url)
            merged = existing
            merged.merge(self)
            if merged == existing { return }
        }
        try FileSafety.writeAtomically(to: url, mode: 0o600) { write in merged.serializeCompactly(into: write) }
        Self.lastLoaded.remember(merged, at: url, state: FileState(url))
    }

    /// The identity and last change of a file. The same values mean the same contents, unless
    /// something rewrote the file in place within the clock's resolution and kept its size.
    /// `FileSafety.writeAtomically` renames a new file over the old one, which changes the inode.
    struct FileState: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var seconds: Int
        var nanoseconds: Int

        init?(_ url: URL) {
            var info = stat()
            guard stat(url.path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            seconds = info.st_mtim.tv_sec
            nanoseconds = info.st_mtim.tv_nsec
        }
    }

    /// The map that `load(from:)` or `save(to:)` last read or wrote, with its file's path and state.
    final class LastLoaded: @unchecked Sendable {
        private let lock = NSLock()
        private var entry: (path: String, state: FileState, map: PseudonymMap)?

        func remember(_ map: PseudonymMap, at url: URL, state: FileState?) {
            lock.lock()
            defer { lock.unlock() }
            entry = state.map { (url.standardizedFileURL.path, $0, map) }
        }

        /// Returns the map read from or written to `url`, or nil when the file changed since.
        func map(at url: URL) -> PseudonymMap? {
            lock.lock()
            defer { lock.unlock() }
            guard let entry, entry.path == url.standardizedFileURL.path, FileState(url) == entry.state else { return nil }
            return entry.map
        }
    }

    static let lastLoaded = LastLoaded()

    /// Returns the JSON of `jsonValue()` on one line.
    func serializedCompactly() -> Data {
        var output = Data()
        serializeCompactly { output.append($0) }
        return output
    }

    /// Writes the JSON of `jsonValue()`, on one line, to `write` entry by entry in pieces of
    /// about 64 KiB. A `JSONValue` tree of a large map, or its whole text, would take several
    /// times the map's own memory.
    func serializeCompactly(into write: (Data) -> Void) {
        var output = Data()
        output.reserveCapacity(1 << 16)
        output.append(contentsOf: Array(#"{"entries":{"#.utf8))
        for (index, pseudonym) in entries.keys.sorted().enumerated() {
            let entry = entries[pseudonym]!
            if output.count >= 1 << 16 {
                write(output)
                output.removeAll(keepingCapacity: true)
            }
            if index > 0 { output.append(UInt8(ascii: ",")) }
            output.append(JSONValue.string(pseudonym).serialized(pretty: false))
            output.append(contentsOf: Array(#":{"kind":"#.utf8))
            output.append(JSONValue.string(entry.kind).serialized(pretty: false))
            output.append(contentsOf: Array(#","original":"#.utf8))
            output.append(JSONValue.string(entry.original).serialized(pretty: false))
            if entry.isAmbiguous {
                output.append(contentsOf: Array(#","other_originals":"#.utf8))
                output.append(JSONValue.array(entry.otherOriginals.map { .string($0) }).serialized(pretty: false))
            }
            output.append(UInt8(ascii: "}"))
        }
        output.append(contentsOf: Array("},\"version\":\(Self.formatVersion)}\n".utf8))
        write(output)
    }

    public static func load(from url: URL) throws -> PseudonymMap {
        let before = FileState(url)
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
            var others: [String] = []
            if let list = value["other_originals"] {
                let items = list.arrayValue ?? []
                let texts = items.compactMap(\.stringValue)
                guard list.arrayValue != nil, texts.count == items.count else {
                    throw DiagError.data(
                        "the pseudonym map \(url.path) has an entry whose 'other_originals' is not a list of texts; move the file away to start a new one")
                }
                others = texts
            }
            map.entries[pseudonym] = Entry(original: original, kind: kind, otherOriginals: others)
        }
        // A file that changed while it was read is read again by `save(to:)`.
        if let before, FileState(url) == before { lastLoaded.remember(map, at: url, state: before) }
        return map
    }
}
