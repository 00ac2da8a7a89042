/// Merges miner entries whose keys have the same length and differ in one token position (or,
/// when no such merge is left, in two), when the values seen at those positions look variable.
///
/// A position is judged variable when one of the values there is already `<*>`, when it has at
/// least three distinct values, or when all its values but one were judged variable elsewhere.
/// Two distinct values alone are kept apart, because pairs such as `startup`/`shutdown` or
/// `enabled`/`disabled` usually name different events. The first token and positions whose values
/// are all upper-case words (`RUNNING`, `LEADING`) need stronger evidence: at least three distinct
/// values, more than half of them seen in one line only. Positions whose values are all `key=word`
/// tokens with one key (`user=root`, `user=guest`) merge on that evidence, when they hold
/// `minimumFreeFormValues` distinct values, or when one value is already `user=<*>`. The merged
/// position then reads `user=<*>`. Merging repeats until nothing changes, and groups are
/// visited in entry order so the result does not depend on hashing.
enum TemplateMerger {
    /// The entries' tokens, counts and union-find links, shared with `LogTemplateMiner`.
    struct State {
        var vocabulary = Vocabulary()
        var tokens: [[Int32]] = []
        var counts: [Int] = []
        var parents: [Int32] = []

        mutating func append(tokens entryTokens: [Int32]) {
            parents.append(Int32(tokens.count))
            tokens.append(entryTokens)
            counts.append(0)
        }

        /// Returns the root entry of `entry`'s group without changing the links.
        func find(_ entry: Int) -> Int {
            var current = entry
            while Int(parents[current]) != current { current = Int(parents[current]) }
            return current
        }

        /// Returns the root entry of `entry`'s group, compressing the path on the way.
        mutating func root(of entry: Int) -> Int {
            var current = entry
            while Int(parents[current]) != current {
                let parent = Int(parents[current])
                parents[current] = parents[parent]
                current = parent
            }
            return current
        }
    }

    /// The maximum template length for which pairs of positions are tried, because the number of
    /// pairs grows with the square of the length.
    static let maximumPairLength = 40

    static func merge(_ state: inout State) {
        var variableValues = Set<Int32>()
        var changed = true
        while changed {
            changed = false
            var rootsByLength: [Int: [Int]] = [:]
            for entry in 0..<state.tokens.count where state.root(of: entry) == entry {
                rootsByLength[state.tokens[entry].count, default: []].append(entry)
            }
            let lengths = rootsByLength.keys.sorted().filter { $0 > 0 }

            for length in lengths {
                var roots = rootsByLength[length]!
                for position in 0..<length where roots.count > 1 {
                    guard mergeSiblings(&state, roots: roots, positions: [position], variableValues: &variableValues)
                    else { continue }
                    changed = true
                    roots.removeAll { Int(state.parents[$0]) != $0 }
                }
                rootsByLength[length] = roots
            }
            if changed { continue }

            // Only when no single position merges: messages with two word variables, such as
            // `job <name> failed on <node>`, differ in two positions at once.
            for length in lengths where length <= maximumPairLength {
                var roots = rootsByLength[length]!
                for first in 0..<length {
                    for second in (first + 1)..<length where roots.count >= minimumPairMembers {
                        guard mergeSiblings(
                            &state, roots: roots, positions: [first, second], variableValues: &variableValues)
                        else { continue }
                        changed = true
                        roots.removeAll { Int(state.parents[$0]) != $0 }
                    }
                }
            }
        }
    }

    /// Merges the groups of `roots` that agree everywhere except at `positions`, when every one of
    /// those positions looks variable.
    private static func mergeSiblings(
        _ state: inout State, roots: [Int], positions: [Int], variableValues: inout Set<Int32>
    ) -> Bool {
        // Sorting by signature hash puts the candidates of one group next to each other.
        var signatures = roots.map { (hash: signatureHash(state.tokens[$0], skipping: positions), entry: $0) }
        signatures.sort { ($0.hash, $0.entry) < ($1.hash, $1.entry) }
        var groups: [[Int]] = []
        var runStart = 0
        while runStart < signatures.count {
            var runEnd = runStart + 1
            while runEnd < signatures.count, signatures[runEnd].hash == signatures[runStart].hash { runEnd += 1 }
            if runEnd - runStart > 1 {
                var bucket = signatures[runStart..<runEnd].map(\.entry)
                while bucket.count > 1 {
                    let reference = state.tokens[bucket[0]]
                    let same = bucket.filter { equal(state.tokens[$0], reference, skipping: positions) }
                    if same.count > 1 { groups.append(same) }
                    bucket.removeAll { equal(state.tokens[$0], reference, skipping: positions) }
                }
            }
            runStart = runEnd
        }

        var merged = false
        for members in groups.sorted(by: { $0[0] < $1[0] }) where members.count >= minimumMembers(positions) {
            let valueCounts = positions.map { position in
                var counts: [Int32: Int] = [:]
                for member in members { counts[state.tokens[member][position], default: 0] += state.counts[member] }
                return counts
            }
            let allVariable = zip(positions, valueCounts).allSatisfy { position, counts in
                isVariable(counts, position: position, state: state, variableValues: variableValues)
            }
            guard allVariable else { continue }

            for counts in valueCounts {
                for value in counts.keys where value != 0 { variableValues.insert(value) }
            }
            let root = members[0]
            for member in members.dropFirst() {
                state.parents[member] = Int32(root)
                state.counts[root] += state.counts[member]
            }
            for (position, counts) in zip(positions, valueCounts) {
                state.tokens[root][position] = commonKeyForm(counts, state: state) ?? 0
            }
            merged = true
        }
        return merged
    }

    /// Returns how many distinct keys a group needs before it merges: two for one position, but
    /// `minimumPairMembers` for two, because small families of related messages (such as a list of
    /// deprecated settings) also differ in two positions.
    private static func minimumMembers(_ positions: [Int]) -> Int {
        positions.count > 1 ? minimumPairMembers : 2
    }

    /// The number of distinct keys a two-position group needs; a guess that the Loghub-2k datasets
    /// accept (their related-message families have fewer members).
    static let minimumPairMembers = 10

    private static func signatureHash(_ tokens: [Int32], skipping positions: [Int]) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
        for (index, token) in tokens.enumerated() where !positions.contains(index) {
            hash = (hash ^ UInt64(UInt32(bitPattern: token))) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
        }
        return hash
    }

    private static func equal(_ first: [Int32], _ second: [Int32], skipping positions: [Int]) -> Bool {
        for index in 0..<first.count where !positions.contains(index) && first[index] != second[index] {
            return false
        }
        return true
    }

    /// Returns the `key=<*>` form that all values share (`user=root` and `user=guest` share
    /// `user=<*>`), or nil when they have different keys or one is not a `key=value` token.
    private static func commonKeyForm(_ valueCounts: [Int32: Int], state: State) -> Int32? {
        var common: Int32?
        for value in valueCounts.keys {
            let form = state.vocabulary.keyForm(of: value)
            guard form >= 0, common == nil || common == form else { return nil }
            common = form
        }
        return common
    }

    /// The number of distinct `key=word` values from which the key is taken to hold free-form
    /// names (users, hosts) rather than a state: two or three values such as `mode=strict` and
    /// `mode=lenient` usually name different events.
    static let minimumFreeFormValues = 4

    private static func isVariable(
        _ valueCounts: [Int32: Int], position: Int, state: State, variableValues: Set<Int32>
    ) -> Bool {
        let distinct = valueCounts.count
        if valueCounts[0] != nil { return true }
        let keyForm = commonKeyForm(valueCounts, state: state)
        if let keyForm, valueCounts[keyForm] != nil { return true }

        let singletons = valueCounts.values.filter { $0 == 1 }.count
        let mostlySingletons = distinct >= 3 && singletons * 2 > distinct
        if position == 0 { return mostlySingletons }
        if keyForm != nil { return mostlySingletons || distinct >= minimumFreeFormValues }
        if valueCounts.keys.allSatisfy({ state.vocabulary.kind(of: $0) == .upperCaseWord }) { return mostlySingletons }
        if distinct >= 3 { return true }

        let known = valueCounts.keys.filter { variableValues.contains($0) }.count
        return known >= 1 && known >= distinct - 1
    }
}
