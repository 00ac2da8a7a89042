@testable import DiagRedaction
import Foundation
import Testing

/// W3C extended logs (IIS) name their columns in a `#Fields:` directive. A user name column
/// contains plain names that no pattern can tell from other words, so it is redacted by its name.
struct W3CLogTests {
    static let fields =
        "#Fields: date time s-sitename s-computername s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Cookie) cs-host sc-status sc-substatus sc-win32-status time-taken"

    static func line(second: Int, user: String, cookie: String = "-") -> String {
        "2024-11-13 08:00:\(String(format: "%02d", second % 60)) W3SVC1 IKJWEB01 10.20.0.5 GET /api/accounts - 443 \(user) 102.89.3.4 Mozilla/5.0+(Windows+NT+10.0) \(cookie) portal.ikejamfb.ng 200 0 0 \(second % 900)"
    }

    static let header = "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n\(fields)\n"

    /// Returns the fields of `line` split as W3C writes them, one space apart.
    static func columns(_ line: Substring) -> [Substring] {
        line.split(separator: " ", omittingEmptySubsequences: false)
    }

    @Test func userColumnIsReplacedByItsName() throws {
        let redactor = TestSupport.makeRedactor()
        let text = Self.header + Self.line(second: 1, user: "ngozi.nwachukwu", cookie: "ASP.NET_SessionId=qk2j3lm0x4v1d5r2")
            + "\n" + Self.line(second: 2, user: "-") + "\n" + Self.line(second: 3, user: "emeka") + "\n"
        let output = String(decoding: try redactor.redactFile(name: "u_ex241113.log", data: Data(text.utf8)), as: UTF8.self)

        #expect(!output.contains("ngozi.nwachukwu"))
        #expect(!output.contains("emeka"))
        #expect(!output.contains("qk2j3lm0x4v1d5r2"))
        #expect(!output.contains("IKJWEB01"))
        let lines = output.split(separator: "\n")
        #expect(lines[2] == Substring(Self.fields), "the directive changed: \(lines[2])")
        let names = Self.columns(lines[2].dropFirst("#Fields: ".count))
        let user = try #require(names.firstIndex(of: "cs-username"))
        let rows = lines.dropFirst(3).map(Self.columns)
        #expect(rows.allSatisfy { $0.count == names.count }, "a row lost or gained a field: \(rows)")
        #expect(rows[0][user].hasPrefix("user-"))
        #expect(rows[1][user] == "-")
        #expect(rows[2][user].hasPrefix("user-"))
        // Diagnostic columns stay: site, method, path, status, sub-status, Win32 status.
        for row in rows {
            #expect(row[2] == "W3SVC1")
            #expect(row[5] == "GET")
            #expect(row[6] == "/api/accounts")
            #expect(row[14] == "200")
        }
    }

    /// A streamed file keeps the directive of an earlier block for its later blocks, and a new
    /// directive (IIS writes one after each restart) moves the columns.
    @Test func streamedBlocksReadTheLatestDirective() throws {
        let redactor = TestSupport.makeRedactor()
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = Self.header
        var index = 0
        while text.utf8.count < 3 * Redactor.streamBlockBytes {
            text += Self.line(second: index, user: "teller.\(index % 7)x") + "\n"
            index += 1
        }
        // After a restart the user name is the third field.
        text += "#Fields: date time cs-username sc-status\n"
        text += "2024-11-13 09:00:00 adaeze 500\n"
        let input = folder.appendingPathComponent("u_ex241113.log")
        try Data(text.utf8).write(to: input)
        let output = folder.appendingPathComponent("out.log")
        try redactor.redactStream(from: input, to: output, file: "u_ex241113.log", wholeTextBytes: 0)
        let written = try String(contentsOf: output, encoding: .utf8)

        for user in 0..<7 { #expect(!written.contains("teller.\(user)x"), "teller.\(user)x is still in the output") }
        #expect(!written.contains("adaeze"))
        let last = try #require(written.split(separator: "\n").last)
        let columns = Self.columns(last)
        try #require(columns.count == 4, "\(last)")
        #expect(columns[2].hasPrefix("user-"))
        #expect(columns[3] == "500")
        #expect(redactor.report.jsonValue()["rules"]?["user-id"]?["files"]?["u_ex241113.log"]?.intValue ?? 0 >= index)
    }

    /// A line whose field count differs from the directive, or without the date and time the
    /// directive names, is not read by column, and a text without a directive is not read as W3C.
    @Test func readsOnlyLinesThatFitTheDirective() throws {
        let redactor = TestSupport.makeRedactor()
        let text = "#Fields: date time cs-username sc-status\n2024-11-13 09:00:00 adaeze 500\nnote: adaeze called back\nretried at ingress 3\n"
        let output = String(decoding: try redactor.redactFile(name: "notes.log", data: Data(text.utf8)), as: UTF8.self)
        let lines = output.split(separator: "\n")
        #expect(lines[1].hasPrefix("2024-11-13 09:00:00 user-"))
        // The whole-file sweep still replaces the name found by column elsewhere.
        #expect(!lines[2].contains("adaeze"))
        // Four fields, but no date or time: not a data line.
        #expect(lines[3] == "retried at ingress 3")

        let plain = "2024-11-13 09:00:00 adaeze 500\n"
        let plainOutput = String(decoding: try redactor.redactFile(name: "plain.log", data: Data(plain.utf8)), as: UTF8.self)
        #expect(plainOutput == plain)
    }

    @Test func fieldKeys() {
        #expect(W3CFields.key(forField: "cs-username") == "username")
        #expect(W3CFields.key(forField: "s-computername") == "hostname")
        #expect(W3CFields.key(forField: "cs(Cookie)") == "cookie")
        #expect(W3CFields.key(forField: "cs(X-Tenant-ID)") == "x-tenant-id")
        #expect(W3CFields.key(forField: "c-ip") == nil)
        #expect(W3CFields.key(forField: "cs-uri-query") == nil)
        #expect(W3CFields.key(forField: "time-taken") == "time-taken")
    }
}
