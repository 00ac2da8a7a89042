/// An online log template miner with bounded memory.
///
/// The miner is a value type so that its hot path runs without the run-time exclusivity checks
/// that stored properties of a class need.
///
/// Each message is masked (see `MessageMasker`) and looked up by its masked key; a new key becomes
/// a new entry. A message seen word for word shortly before skips the masking (see `MessageCache`). `templates()` then merges entries whose keys differ in one token position when the
/// values seen there look variable (see `TemplateMerger`), so the grouping uses what the whole
/// input showed rather than the order lines arrived in. An entry's number never changes, and
/// `templateID(ofEntry:)` maps it to the template it ended up in.
///
/// Memory is bounded by `Configuration.capacity` keys of at most `maximumMessageBytes` bytes
/// each. Once the capacity is reached the miner merges what it has, and a message with an unseen
/// key joins a template whose tokens match it (with `<*>` matching any token and `key=<*>` any
/// value of that key) or is counted as other.
public struct LogTemplateMiner: Sendable {
    /// The settings of a miner; the defaults are meant for every kind of input.
    public struct Configuration: Sendable, Equatable {
        /// The maximum number of distinct masked messages kept.
        public var capacity: Int
        /// The number of bytes of a message that are read; the rest is ignored.
        public var maximumMessageBytes: Int
        /// The number of lines a template must cover before its fixed tokens are shown.
        public var minimumTokenSupport: Int
        /// Makes tenant identifiers variable before grouping when set; see `TenantMasking`.
        public var tenantMasking: TenantMasking?

        public init(
            capacity: Int = 5000, maximumMessageBytes: Int = 4096, minimumTokenSupport: Int = 2,
            tenantMasking: TenantMasking? = nil
        ) {
            self.capacity = max(1, capacity)
            self.maximumMessageBytes = max(16, maximumMessageBytes)
            self.minimumTokenSupport = max(1, minimumTokenSupport)
            self.tenantMasking = tenantMasking
        }
    }

    public let configuration: Configuration

    /// The number of messages that matched no template after the capacity was reached.
    public private(set) var otherCount = 0
    /// The number of messages added, including those counted as other.
    public private(set) var messageCount = 0

    private var table: KeyTable
    private var masker: MessageMasker
    private var cache = MessageCache()
    private var keyBuffer: [UInt8] = []
    private var state = TemplateMerger.State()
    private var isConsolidated = false
    /// Templates by token count and first token (0 when the first token is `<*>`), filled once the capacity is reached.
    private var rootsByShape: [RootShape: [Int32]] = [:]

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        masker = MessageMasker(tenantMasking: configuration.tenantMasking)
        table = KeyTable(expectedCount: min(configuration.capacity, 1 << 16))
    }

    /// The number of distinct masked messages stored.
    public var entryCount: Int { table.count }

    /// Adds one message and returns its entry number, or nil when it was counted as other.
    @discardableResult
    public mutating func add(_ message: String) -> Int? {
        var bytes = Array(message.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            add(UnsafeBufferPointer(buffer), from: 0, to: buffer.count)
        }
    }

    /// Adds the message in `bytes[start..<end]` and returns its entry number, or nil when it was
    /// counted as other.
    public mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        messageCount += 1
        let limitedEnd = min(end, start + configuration.maximumMessageBytes)
        let rawHash = MessageCache.hash(bytes, start, limitedEnd)
        if let entry = cache.entry(bytes, start, limitedEnd, hash: rawHash) {
            state.counts[state.root(of: entry)] += 1
            return entry
        }

        masker.appendKey(of: bytes, from: start, to: limitedEnd, into: &keyBuffer)
        let hash = KeyTable.hash(keyBuffer)
        if let entry = table.find(keyBuffer, hash: hash) {
            state.counts[state.root(of: entry)] += 1
            cache.store(bytes, start, limitedEnd, hash: rawHash, entry: entry)
            return entry
        }

        if table.count >= configuration.capacity {
            if !isConsolidated { consolidate() }
            if let root = matchingRoot(keyBuffer) {
                state.counts[Int(root)] += 1
                return Int(root)
            }
            otherCount += 1
            return nil
        }

        let entry = table.insert(keyBuffer, hash: hash)
        state.append(tokens: state.vocabulary.intern(tokensOf: keyBuffer))
        state.counts[entry] = 1
        cache.store(bytes, start, limitedEnd, hash: rawHash, entry: entry)
        return entry
    }

    /// Returns the template number that entry `entry` belongs to after the last merge.
    public func templateID(ofEntry entry: Int) -> Int { state.find(entry) }

    /// Merges entries and returns the templates with the entries they contain, ordered by first entry.
    public mutating func templates() -> [MinedTemplate] {
        TemplateMerger.merge(&state)
        var members: [Int: [Int]] = [:]
        for entry in 0..<table.count { members[state.root(of: entry), default: []].append(entry) }
        return members.keys.sorted().map { root in
            let tokens = state.tokens[root].map { state.vocabulary.text(of: $0) }
            let count = state.counts[root]
            return MinedTemplate(
                id: root, tokens: tokens, count: count, entries: members[root]!,
                minimumTokenSupport: configuration.minimumTokenSupport)
        }
    }

    /// Returns the masked key of entry `entry`.
    public func key(ofEntry entry: Int) -> String { String(decoding: table.key(entry), as: UTF8.self) }

    private mutating func consolidate() {
        TemplateMerger.merge(&state)
        isConsolidated = true
        rootsByShape = [:]
        for entry in 0..<table.count where state.root(of: entry) == entry {
            let tokens = state.tokens[entry]
            rootsByShape[RootShape(length: tokens.count, first: tokens.first ?? 0), default: []].append(Int32(entry))
        }
    }

    private func matchingRoot(_ key: [UInt8]) -> Int32? {
        let tokens = state.vocabulary.lookup(tokensOf: key)
        let first = tokens.first ?? 0
        var shapes = [RootShape(length: tokens.count, first: 0)]
        if first > 0 { shapes.insert(RootShape(length: tokens.count, first: first), at: 0) }
        for shape in shapes {
            for root in rootsByShape[shape] ?? [] where matches(state.tokens[Int(root)], tokens) { return root }
        }
        return nil
    }

    private func matches(_ template: [Int32], _ tokens: [Int32]) -> Bool {
        for index in 0..<tokens.count where template[index] != tokens[index] && template[index] != 0 {
            if template[index] != state.vocabulary.keyForm(of: tokens[index]) { return false }
        }
        return true
    }
}

private struct RootShape: Hashable {
    var length: Int
    var first: Int32
}

/// One template found by `LogTemplateMiner`.
public struct MinedTemplate: Sendable, Equatable {
    /// The template number, equal to the number of its first entry.
    public var id: Int
    /// The template's tokens, with `<*>` for variable positions.
    public var tokens: [String]
    /// The number of lines in the template.
    public var count: Int
    /// The entry numbers merged into the template.
    public var entries: [Int]
    /// The template text that may leave the site: all tokens become `<*>` unless the template
    /// covers at least `minimumTokenSupport` lines, so a token seen in only one line never appears.
    public var text: String

    init(id: Int, tokens: [String], count: Int, entries: [Int], minimumTokenSupport: Int) {
        self.id = id
        self.tokens = tokens
        self.count = count
        self.entries = entries
        text = count >= minimumTokenSupport ? TemplateText.render(tokens) : MessageMasker.wildcard
    }
}
