import DiagSupport
import Foundation
import Testing

/// A redacted JSON document written in the layout of its original.
struct JSONLayoutTests {
    static let original = """
        {
            "zeta": "keep \\u00e9 \\/ this",
            "alpha" : [1, 2.50, 1e3, true, null],
            "user":   {"email": "ada@acme-bank.ng", "id": 7},
            "secret": {"a": 1, "b": [2]},
            "empty": {}, "none": []
        }

        """

    static func layout(_ redacted: JSONValue, renamedKeys: [String: String] = [:]) -> String? {
        JSONValue.serialized(redacted, inLayoutOf: Data(original.utf8), renamedKeys: renamedKeys)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func unchangedDocumentCopiedExactly() throws {
        let value = try JSONValue.parse(Self.original)
        #expect(Self.layout(value) == Self.original)
    }

    @Test func changedValuesAreWrittenInPlace() throws {
        var value = try JSONValue.parse(Self.original)
        guard case .object(var members) = value else { return }
        members["user"] = ["email": "user-1a2b3c4d@example-5e6f7a.ng", "id": "customer-9f8e7d6c"]
        members["secret"] = "<redacted:secret-value:0a1b2c3d>"
        value = .object(members)
        let expected = """
            {
                "zeta": "keep \\u00e9 \\/ this",
                "alpha" : [1, 2.50, 1e3, true, null],
                "user":   {"email": "user-1a2b3c4d@example-5e6f7a.ng", "id": "customer-9f8e7d6c"},
                "secret": "<redacted:secret-value:0a1b2c3d>",
                "empty": {}, "none": []
            }

            """
        #expect(Self.layout(value) == expected)
    }

    @Test func renamedKeyKeepsItsPlace() throws {
        let original = #"{"b": 1, "ada@acme-bank.ng": {"role": "admin"}, "a": 2}"#
        let redacted: JSONValue = ["b": 1, "user-1a2b3c4d@example-5e6f7a.ng": ["role": "admin"], "a": 2]
        let written = JSONValue.serialized(
            redacted, inLayoutOf: Data(original.utf8), renamedKeys: ["ada@acme-bank.ng": "user-1a2b3c4d@example-5e6f7a.ng"])
        #expect(written.map { String(decoding: $0, as: UTF8.self) } == #"{"b": 1, "user-1a2b3c4d@example-5e6f7a.ng": {"role": "admin"}, "a": 2}"#)
    }

    /// A document that does not line up gives nil, so the caller writes the redacted value alone.
    /// A duplicate key is one such case: the parser kept only its last value, so the first must
    /// not be copied.
    @Test(arguments: [
        (#"{"a": "x", "a": "raw-secret"}"#, JSONValue.object(["a": "y"])),
        (#"[1, 2, 3]"#, JSONValue.array([1, 2])),
        (#"[1, 2]"#, JSONValue.array([1, 2, 3])),
        (#"{"a": 1, "b": 2}"#, JSONValue.object(["a": 1])),
        (#"{"a": 1}"#, JSONValue.object(["a": 1, "b": 2])),
        (#"{"renamed": 1}"#, JSONValue.object(["other": 1])),
    ])
    func mismatchGivesNil(original: String, redacted: JSONValue) {
        #expect(JSONValue.serialized(redacted, inLayoutOf: Data(original.utf8)) == nil)
    }

    /// A byte order mark and CRLF line ends are kept.
    @Test func byteOrderMarkAndLineEndsAreKept() throws {
        let original = "\u{FEFF}{\r\n  \"a\": \"x\"\r\n}\r\n"
        let written = JSONValue.serialized(["a": "y"], inLayoutOf: Data(original.utf8))
        #expect(written.map { String(decoding: $0, as: UTF8.self) } == "\u{FEFF}{\r\n  \"a\": \"y\"\r\n}\r\n")
    }
}
