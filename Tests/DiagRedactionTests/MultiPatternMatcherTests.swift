@testable import DiagRedaction
import Foundation
import Testing

/// The Aho-Corasick matcher against a naive search, with the full transition table and without.
struct MultiPatternMatcherTests {
    /// Returns every (pattern, end) pair by comparing each pattern at each offset.
    static func naiveMatches(_ patterns: [[UInt8]], in text: [UInt8]) -> [[Int]] {
        var found: [[Int]] = []
        for end in 1...max(text.count, 1) where end <= text.count {
            for (index, pattern) in patterns.enumerated() where !pattern.isEmpty && pattern.count <= end {
                if Array(text[(end - pattern.count)..<end]) == pattern { found.append([index, end]) }
            }
        }
        return found
    }

    static func matches(_ matcher: MultiPatternMatcher, in text: [UInt8]) -> [[Int]] {
        var found: [[Int]] = []
        text.withUnsafeBufferPointer { buffer in matcher.forEachMatch(in: buffer) { found.append([$0, $1]) } }
        return found
    }

    /// Returns `count` random words over `alphabet`; a small one makes prefixes and suffixes overlap.
    static func words(
        _ count: Int, length: ClosedRange<Int>, alphabet: String = "abcab-", generator: inout some RandomNumberGenerator
    ) -> [[UInt8]] {
        (0..<count).map { _ in
            (0..<Int.random(in: length, using: &generator)).map { _ in Array(alphabet.utf8).randomElement(using: &generator)! }
        }
    }

    @Test(arguments: [(40, "dense"), (3_000, "sparse")])
    func agreesWithNaiveSearch(patternCount: Int, layout: String) {
        var generator = SplitMix64(seed: UInt64(patternCount))
        let alphabet = layout == "dense" ? "abcab-" : "abcdefghij-"
        var patterns = Self.words(patternCount, length: 1...9, alphabet: alphabet, generator: &generator)
        patterns.append([])
        let matcher = MultiPatternMatcher(patterns: patterns)
        #expect((matcher.nodeCount <= MultiPatternMatcher.denseNodeLimit) == (layout == "dense"))
        for _ in 0..<10 {
            let text = Self.words(1, length: 0...400, alphabet: alphabet, generator: &generator)[0]
            let sortedFound = Self.matches(matcher, in: text).sorted { ($0[1], $0[0]) < ($1[1], $1[0]) }
            let expected = Self.naiveMatches(patterns, in: text).sorted { ($0[1], $0[0]) < ($1[1], $1[0]) }
            #expect(sortedFound == expected)
        }
    }

    @Test func reportsOverlappingAndNestedPatterns() {
        let matcher = MultiPatternMatcher(patterns: [Array("he".utf8), Array("she".utf8), Array("hers".utf8), Array("his".utf8)])
        let found = Self.matches(matcher, in: Array("ushers".utf8))
        #expect(found.contains([1, 4]))
        #expect(found.contains([0, 4]))
        #expect(found.contains([2, 6]))
        #expect(found.count == 3)
    }

    @Test func foldingCaseIgnoresASCIICaseOnly() {
        let matcher = MultiPatternMatcher(patterns: [Array("KanoAgro".utf8), Array("é".utf8)], foldingCase: true)
        #expect(Self.matches(matcher, in: Array("kanoagro KANOAGRO".utf8)) == [[0, 8], [0, 17]])
        #expect(Self.matches(matcher, in: Array("É".utf8)).isEmpty)
        #expect(matcher.patterns[0] == Array("KanoAgro".utf8))
    }

    @Test func bytesAboveASCIIMatch() {
        let matcher = MultiPatternMatcher(patterns: [Array("Adaéze".utf8), [0xFF, 0x00]])
        #expect(Self.matches(matcher, in: Array("Dear Adaéze,".utf8)) == [[0, 12]])
        #expect(Self.matches(matcher, in: [0x01, 0xFF, 0x00, 0xFF]) == [[1, 3]])
    }
}

/// A small seeded generator, so a failing case can be run again.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
