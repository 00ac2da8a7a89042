@testable import DiagRedaction
import Foundation
import Testing

/// The known-value sweep: every whole-token occurrence of a replaced value, in one pass.
struct KnownValueSweepTests {
    static func record(_ rule: String, _ replacement: String) -> RecordedReplacement {
        RecordedReplacement(rule: rule, kind: .tenantID, replacement: replacement)
    }

    @Test func replacesWholeTokensOnly() {
        let sweep = KnownValueSweep(recorded: [
            "acme-bank": Self.record("tenant-id", "tenant-11111111"),
            "acme": Self.record("tenant-id", "tenant-22222222"),
            "hunter2-secret": Self.record("secret-keys", "<redacted:secret-value:33333333>"),
            "abc": Self.record("tenant-id", "tenant-44444444"),
        ])
        let text = "acme-bank and acme, acmebank, xacme, retry with hunter2-secret; abc1 abc\n"
        let (swept, counts) = sweep.apply(to: Data(text.utf8))
        #expect(String(decoding: swept, as: UTF8.self)
            == "tenant-11111111 and tenant-22222222, acmebank, xacme, retry with <redacted:secret-value:33333333>; abc1 abc\n")
        #expect(counts == ["tenant-id": 2, "secret-keys": 1])
    }

    @Test func overlapsGoToTheFirstAndLongest() {
        let sweep = KnownValueSweep(recorded: [
            "foo-bar": Self.record("a", "<A>"),
            "bar-baz": Self.record("b", "<B>"),
            "foo-bar-qux": Self.record("c", "<C>"),
        ])
        let (swept, counts) = sweep.apply(to: Data("foo-bar-baz foo-bar-qux bar-baz".utf8))
        #expect(String(decoding: swept, as: UTF8.self) == "<A>-baz <C> <B>")
        #expect(counts == ["a": 1, "b": 1, "c": 1])
    }

    @Test func textWithoutValuesIsUnchanged() {
        let sweep = KnownValueSweep(recorded: ["acme-bank": Self.record("tenant-id", "tenant-1")])
        let data = Data("nothing to see\n".utf8)
        let (swept, counts) = sweep.apply(to: data)
        #expect(swept == data)
        #expect(counts.isEmpty)
    }
}
