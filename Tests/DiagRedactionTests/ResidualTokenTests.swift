import Foundation
import Testing

@testable import DiagRedaction

/// The character statistics that decide whether a token looks random.
struct ResidualTokenTests {
    /// Shannon entropy from the definition, one `log2` per distinct byte, to compare with the
    /// scanner's table-driven form.
    static func definitionEntropy(_ text: String) -> Double {
        let bytes = Array(text.utf8)
        var counts: [UInt8: Int] = [:]
        for byte in bytes { counts[byte, default: 0] += 1 }
        return counts.values.reduce(0.0) { sum, count in
            let share = Double(count) / Double(bytes.count)
            return sum - share * log2(share)
        }
    }

    static func entropy(_ text: String) -> Double {
        var text = text
        return text.withUTF8 { ResidualToken.entropy(of: $0) }
    }

    @Test(arguments: [
        "a", "aaaaaaaa", "ab", "aabbcdef", "2024-05-01T12", "Zq8mX2vL9pQ4rT7w",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", String(repeating: "ab", count: 200),
        String(repeating: "x", count: 300) + "yz",
    ])
    func entropyMatchesTheDefinition(token: String) {
        #expect(abs(Self.entropy(token) - Self.definitionEntropy(token)) < 1e-9, "\(token)")
    }

    /// Runs `body` on the token of `text`, whose bytes are valid only inside `body`.
    static func token<Result>(_ text: String, _ body: (ResidualToken) -> Result) -> Result {
        var text = text
        return text.withUTF8 { body(ResidualToken(bytes: $0)) }
    }

    @Test func countsEachClass() {
        let counts = Self.token("Ab3/x+Z9_-") { ($0.upper, $0.lower, $0.digits, $0.slashes, $0.symbols, $0.isHex) }
        #expect(counts == (2, 2, 2, 1, 2, false))
        #expect(Self.token("0123456789abcdefABCDEF") { $0.isHex })
        #expect(!Self.token("0123456789abcdefg") { $0.isHex })
    }

    /// Every log line's date and hour, cut at the first colon, is not a credential; a token
    /// with other letters is still read.
    @Test func timestampIsNoCredential() {
        #expect(Self.token("2026-12-04T12") { $0.isTimestampLike })
        #expect(!Self.token("2026-12-04T12") { $0.looksLikeCredential })
        #expect(!Self.token("s3cr3tPa55w0rdX") { $0.isTimestampLike })
        #expect(Self.token("s3cr3tPa55w0rdX") { $0.looksLikeCredential })
    }

    /// Thresholds sit on values that short tokens reach exactly: `aabbcdef` has 2.5 bits a byte.
    @Test func dyadicDistributionIsExact() {
        #expect(Self.entropy("aabbcdef") == 2.5)
        #expect(Self.entropy("abcd") == 2.0)
        #expect(Self.entropy("") == 0)
    }
}
