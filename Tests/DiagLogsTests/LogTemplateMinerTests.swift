import DiagLogs
import Testing

@Suite struct LogTemplateMinerTests {
    /// Plain messages labeled by hand with the event they report.
    static let labeled: [(String, String)] = [
        ("Invalid user admin from 10.0.0.1", "invalid-user"),
        ("Invalid user oracle from 10.0.0.2", "invalid-user"),
        ("Invalid user test from 10.0.0.3", "invalid-user"),
        ("Invalid user 12345 from 10.0.0.4", "invalid-user"),
        ("session opened for user root by (uid=0)", "session-opened"),
        ("session opened for user cyrus by (uid=0)", "session-opened"),
        ("session opened for user news by (uid=0)", "session-opened"),
        ("session closed for user root", "session-closed"),
        ("session closed for user news", "session-closed"),
        ("session closed for user cyrus", "session-closed"),
        ("cupsd startup succeeded", "cupsd-startup"),
        ("cupsd startup succeeded", "cupsd-startup"),
        ("cupsd shutdown succeeded", "cupsd-shutdown"),
        ("cupsd shutdown succeeded", "cupsd-shutdown"),
        ("kernel time sync enabled 6001", "sync-enabled"),
        ("kernel time sync disabled 6001", "sync-disabled"),
        ("Transitioned from RUNNING to SUCCEEDED", "running-succeeded"),
        ("Transitioned from RUNNING to SUCCEEDED", "running-succeeded"),
        ("Transitioned from NEW to RUNNING", "new-running"),
        ("Transitioned from NEW to RUNNING", "new-running"),
        ("Transitioned from RUNNING to FAILED", "running-failed"),
        ("Transitioned from RUNNING to FAILED", "running-failed"),
    ]

    @Test func groupsHandLabeledMessages() {
        var miner = LogTemplateMiner()
        let entries = Self.labeled.map { miner.add($0.0)! }
        _ = miner.templates()
        let groups = entries.map { miner.templateID(ofEntry: $0) }
        for first in Self.labeled.indices {
            for second in Self.labeled.indices where first < second {
                let sameLabel = Self.labeled[first].1 == Self.labeled[second].1
                #expect(
                    (groups[first] == groups[second]) == sameLabel,
                    "\(Self.labeled[first].0) | \(Self.labeled[second].0)")
            }
        }
    }

    @Test func rendersTemplatesWithWildcards() {
        var miner = LogTemplateMiner()
        for (message, _) in Self.labeled { miner.add(message) }
        let texts = Set(miner.templates().map(\.text))
        #expect(texts.contains("Invalid user <*> from <*>"))
        #expect(texts.contains("session opened for user <*> by (uid=<*>)"))
        #expect(texts.contains("cupsd startup succeeded"))
        #expect(texts.contains("Transitioned from RUNNING to FAILED"))
    }

    @Test func hidesTokensOfSingleLineTemplates() {
        var miner = LogTemplateMiner()
        miner.add("unique failure in module zebra")
        miner.add("disk full on volume data")
        miner.add("disk full on volume data")
        let templates = miner.templates()
        #expect(templates.map(\.text) == ["<*>", "disk full on volume data"])
        #expect(templates[0].tokens == ["unique", "failure", "in", "module", "zebra"])
    }

    @Test func countsMessagesBeyondCapacityAsOther() {
        var miner = LogTemplateMiner(configuration: .init(capacity: 3))
        let distinct = ["alpha one", "beta two three", "gamma four five six", "delta", "epsilon x y z w"]
        var results: [Int?] = []
        for message in distinct { results.append(miner.add(message)) }
        results.append(miner.add("alpha one"))
        #expect(miner.entryCount == 3)
        #expect(results.filter { $0 == nil }.count == 2)
        #expect(miner.otherCount == 2)
        #expect(miner.messageCount == 6)
        #expect(miner.templates().map(\.count).reduce(0, +) == 4)
    }

    @Test func matchesMergedTemplateOnceFull() {
        var miner = LogTemplateMiner(configuration: .init(capacity: 3))
        miner.add("Invalid user admin from 10.0.0.1")
        miner.add("Invalid user oracle from 10.0.0.2")
        miner.add("Invalid user test from 10.0.0.3")
        let late = miner.add("Invalid user guest from 10.0.0.9")
        #expect(late != nil)
        #expect(miner.otherCount == 0)
        let templates = miner.templates()
        #expect(templates.count == 1)
        #expect(templates.first?.count == 4)
    }

    @Test func producesSameTemplatesInEveryRun() {
        func run() -> [String] {
            var miner = LogTemplateMiner()
            for (message, _) in Self.labeled { miner.add(message) }
            return miner.templates().map(\.text)
        }
        let first = run()
        for _ in 0..<5 { #expect(run() == first) }
    }

    @Test func acceptsEmptyAndInvalidUTF8Messages() {
        var miner = LogTemplateMiner()
        #expect(miner.add("") != nil)
        let invalid: [UInt8] = [0x66, 0xFF, 0xFE, 0x20, 0x6F, 0x6B]
        let entry = invalid.withUnsafeBufferPointer { miner.add($0, from: 0, to: $0.count) }
        #expect(entry != nil)
        #expect(miner.templates().count == 2)
    }

    /// Returns the template text of each message after mining them all.
    private func templateTexts(of messages: [String]) -> [String] {
        var miner = LogTemplateMiner()
        let entries = messages.map { miner.add($0)! }
        let textByID = Dictionary(uniqueKeysWithValues: miner.templates().map { ($0.id, $0.text) })
        return entries.map { textByID[miner.templateID(ofEntry: $0)]! }
    }

    @Test func keepsFewWordValuesOfOneKeyApart() {
        let messages = Array(repeating: "auth failure rhost=10.0.0.1 user=root", count: 5)
            + Array(repeating: "auth failure rhost=10.0.0.2 user=guest", count: 3)
            + Array(repeating: "auth failure rhost=10.0.0.3 user=test", count: 2)
        let texts = templateTexts(of: messages)
        #expect(Set(texts).count == 3)
        #expect(texts[0] == "auth failure rhost=<*> user=root")
        #expect(texts[9] == "auth failure rhost=<*> user=test")
    }

    @Test func mergesManyWordValuesOfOneKey() {
        let users = ["root", "ftp", "git", "mysql", "news"]
        let messages = users.flatMap { Array(repeating: "auth failure rhost=10.0.0.1 user=\($0)", count: 3) }
        #expect(Set(templateTexts(of: messages)) == ["auth failure rhost=<*> user=<*>"])
    }

    @Test func mergesWordValuesSeenOnceEach() {
        let messages = ["login denied mode=alpha", "login denied mode=beta", "login denied mode=gamma"]
        #expect(Set(templateTexts(of: messages)) == ["login denied mode=<*>"])
    }

    @Test func mergesWordValueWithMaskedValueOfSameKey() {
        let messages = ["sync failed (peer=alpha)", "sync failed (peer=alpha)", "sync failed (peer=node7)"]
        #expect(Set(templateTexts(of: messages)) == ["sync failed (peer=<*>)"])
    }

    @Test func matchesUnseenWordValueOnceFull() {
        var miner = LogTemplateMiner(configuration: .init(capacity: 4))
        for user in ["root", "ftp", "git", "mysql"] { miner.add("auth failure user=\(user)") }
        #expect(miner.add("auth failure user=oracle") != nil)
        #expect(miner.otherCount == 0)
        #expect(miner.templates().map(\.text) == ["auth failure user=<*>"])
    }

    @Test func neverKeepsTenantValues() {
        let messages = Array(repeating: "quota exceeded tenant=acme", count: 4)
            + Array(repeating: "quota exceeded tenant=globex", count: 4)
        #expect(Set(templateTexts(of: messages)) == ["quota exceeded tenant=<*>"])
    }

    @Test func rendersRouteTemplatesAsPaths() {
        var miner = LogTemplateMiner()
        miner.add("GET /api /users /1")
        miner.add("GET /api /users /2")
        #expect(miner.templates().map(\.text) == ["GET /api/users/<*>"])
    }
}

@Suite struct LogTemplateMinerMemoryTests {
    /// Every line carries words never seen before, so only the capacity bounds the stored keys.
    @Test func keepsEntriesWithinCapacityOnUniqueInput() {
        var miner = LogTemplateMiner(configuration: .init(capacity: 50))
        var generator = SystemRandomNumberGenerator()
        func word() -> String {
            String((0..<8).map { _ in Character(UnicodeScalar(UInt8.random(in: 97...122, using: &generator))) })
        }
        for index in 0..<20_000 {
            miner.add("job \(word()) failed on \(word()) step \(index % 7 == 0 ? word() : "load")")
        }
        #expect(miner.entryCount == 50)
        #expect(miner.messageCount == 20_000)
        let templates = miner.templates()
        #expect(templates.count <= 50)
        #expect(templates.map(\.count).reduce(0, +) + miner.otherCount == 20_000)
        #expect(templates.contains { $0.text == "job <*> failed on <*> step load" })
    }
}
