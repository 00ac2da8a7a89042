@testable import DiagRedaction
import Foundation
import Testing

/// CSV and TSV files are redacted by column: a header that names an identifier claims its column.
struct CSVRedactionTests {
    func redact(_ text: String, name: String = "users.csv") throws -> String {
        String(decoding: try TestSupport.makeRedactor().redactFile(name: name, data: Data(text.utf8)), as: UTF8.self)
    }

    /// PostgreSQL's csvlog has no header row: its first record is a log line, whose message
    /// must not become a column name (a message about a password would hide every message).
    @Test func fileWithoutHeaderRowIsRedactedAsText() throws {
        let text = #"""
            2026-12-04 13:03:00.117 UTC,"payments_rw","payments",2281,"10.42.9.31:50312",6750a1b4.8e9,1,"authentication",2026-12-04 13:03:00 UTC,,0,FATAL,28P01,"password authentication failed for user ""payments_rw""",,,,,,,,,"","client backend",,0
            2026-12-04 13:03:02.501 UTC,"report_ifeoma","payments",2290,"[local]",6750a1b6.8f2,3,"INSERT",2026-12-04 13:03:01 UTC,4/102,0,ERROR,23505,"duplicate key value violates unique constraint ""customers_nin_key""",,,,,,,,,"psql","client backend",,0

            """#
        let output = try redact(text, name: "postgresql-2026-12-04_130000.csv")
        #expect(output.contains("duplicate key value violates unique constraint"), "\(output)")
        #expect(!output.contains("10.42.9.31"), "\(output)")
        #expect(!CSVRedactionTests.isColumnNameRow(text))
    }

    static func isColumnNameRow(_ text: String) -> Bool {
        let first = text.split(separator: "\n")[0].split(separator: ",").map(String.init)
        return first.allSatisfy(Redactor.isColumnName)
    }

    @Test func headerNamesTheColumn() throws {
        let text = """
            user_id,email,tenant,nin,plan,created_at\r
            usr_0001,ada@globex-ng.com,globex-ng,11122233344,gold,2026-11-01T10:00:00Z\r
            usr_0002,"obi@acme-retail.ng",acme-retail,55566677788,"basic, yearly",2026-11-02T11:00:00Z\r

            """
        let output = try redact(text)
        for value in ["usr_0001", "usr_0002", "ada@globex-ng.com", "obi@acme-retail.ng", "globex-ng", "acme-retail", "11122233344", "55566677788"] {
            #expect(!output.contains(value), "\(value) is still in \(output)")
        }
        let lines = output.components(separatedBy: "\r\n")
        #expect(lines[0] == "user_id,email,tenant,nin,plan,created_at")
        #expect(lines[1].hasPrefix("user-"), "\(lines[1])")
        #expect(lines[1].hasSuffix(",gold,2026-11-01T10:00:00Z"))
        #expect(lines[2].contains(",\"basic, yearly\",2026-11-02T11:00:00Z"), "quoting is kept: \(lines[2])")
        #expect(lines[2].contains(",\"user-"), "a quoted email stays quoted: \(lines[2])")
        #expect(lines.count == 4)
    }

    @Test func tabSeparatedAndQuotedLineBreaks() throws {
        let output = try redact("customer_id\tnote\nCN-88123\t\"two\nlines, \"\"quoted\"\"\"\n", name: "export.tsv")
        #expect(!output.contains("CN-88123"), "\(output)")
        #expect(output.hasSuffix("\t\"two\nlines, \"\"quoted\"\"\"\n"), "\(output)")
    }

    @Test func brokenTableIsRedactedAsText() throws {
        let output = try redact("user_id,note\nusr_9,\"never closed\nmail jane.doe@acme-corp.com\n")
        #expect(!output.contains("jane.doe@acme-corp.com"), "\(output)")
        #expect(output.contains("usr_9"), "without a table the column is unknown: \(output)")
    }

    @Test func tableRoundTripsUnchanged() throws {
        let text = "a,b,\"c\"\n1,,\"x,y\"\n2,3,\"\"\n"
        let table = try #require(CSVTable(text, separator: ","))
        #expect(table.rendered() == text)
        #expect(table.records.map { $0.fields.count } == [3, 3, 3])
        #expect(CSVTable("a,\"b\"c\n", separator: ",") == nil)
    }
}
