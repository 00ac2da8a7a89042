@testable import DiagRedaction
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A marker written into an XML document is escaped (`&lt;redacted:…&gt;`), so the document
/// stays well-formed, in every path that writes one.
struct XMLMarkerTests {
    static let serverXML = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Server port="8005" shutdown="SHUTDOWN_k8Zq2Lm">
          <GlobalNamingResources>
            <Resource name="jdbc/LedgerDB" auth="Container" type="javax.sql.DataSource"
                      username="ledger_jdbc" password="JdbcLedg3r!x9" maxTotal="50" />
          </GlobalNamingResources>
          <Realm className="org.apache.catalina.realm.JDBCRealm" connectionPassword="R3alm!Pw-2024" />
          <password>Plain-Text-Pw-77</password>
        </Server>

        """

    static func parses(_ data: Data) -> Bool {
        XMLParser(data: data).parse()
    }

    @Test func redactedDocumentStaysWellFormed() throws {
        try #require(Self.parses(Data(Self.serverXML.utf8)))
        let redactor = TestSupport.makeRedactor()
        let output = try redactor.redactFile(name: "server.xml", data: Data(Self.serverXML.utf8), sweepsKnownValues: true)
        let text = String(decoding: output, as: UTF8.self)

        #expect(Self.parses(output), "\(text)")
        for value in ["SHUTDOWN_k8Zq2Lm", "JdbcLedg3r!x9", "R3alm!Pw-2024", "Plain-Text-Pw-77", "ledger_jdbc"] {
            #expect(!text.contains(value), "\(value) in \(text)")
        }
        #expect(!text.contains("<redacted:"))
        #expect(text.contains(#"password="&lt;redacted:secret-value:"#))
        #expect(text.contains(#"auth="Container""#))

        // `collect` redacts a config file's text by its bundle path.
        let collected = TestSupport.makeRedactor().redactText(Self.serverXML, file: "config/tomcat/server.xml")
        #expect(Self.parses(Data(collected.utf8)), "\(collected)")
    }

    /// Redacting the copy again changes nothing: the escaped markers are markers.
    @Test func escapedMarkersAreKeptWhenRedactedAgain() throws {
        let redactor = TestSupport.makeRedactor()
        let once = try redactor.redactFile(name: "server.xml", data: Data(Self.serverXML.utf8), sweepsKnownValues: true)
        let twice = try TestSupport.makeRedactor().redactFile(name: "server.xml", data: once, sweepsKnownValues: true)
        #expect(String(decoding: twice, as: UTF8.self).contains(#"password="&lt;redacted:secret-value:"#))
        #expect(Self.parses(twice))
    }

    /// A large XML file is streamed, and each block's markers are escaped too. The sweep of a
    /// finished file escapes the markers it writes.
    @Test func streamedAndSweptMarkersAreEscaped() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = "<?xml version=\"1.0\"?>\n<users>\n"
        for index in 0..<6_000 {
            text += "  <user id=\"\(index)\" role=\"teller\"><password>Teller-Pw-\(index)x</password></user>\n"
        }
        text += "</users>\n"
        let input = folder.appendingPathComponent("users.xml")
        try Data(text.utf8).write(to: input)
        let output = folder.appendingPathComponent("out.xml")
        try TestSupport.makeRedactor().redactStream(from: input, to: output, file: "users.xml", wholeTextBytes: 0)
        let written = try Data(contentsOf: output)
        #expect(Self.parses(written))
        #expect(!String(decoding: written, as: UTF8.self).contains("Teller-Pw-"))

        let sweep = KnownValueSweep(recorded: [
            "Teller-Pw-0x": RecordedReplacement(rule: "secret-keys", kind: .secretValue, replacement: "<redacted:secret-value:1a2b3c4d>"),
        ])
        let note = Data("<?xml version=\"1.0\"?>\n<note>old password Teller-Pw-0x</note>\n".utf8)
        let (swept, counts) = sweep.apply(to: note, xml: Redactor.isXML(file: "note.xml", data: note))
        #expect(counts == ["secret-keys": 1])
        #expect(String(decoding: swept, as: UTF8.self).contains("old password &lt;redacted:secret-value:1a2b3c4d&gt;"))
        #expect(Self.parses(swept))
    }

    @Test func onlyXMLDocumentsAreEscaped() {
        #expect(Redactor.isXML(file: "web.config", text: "\u{FEFF}  <configuration/>"))
        #expect(!Redactor.isXML(file: "app.config", text: "key = value"))
        #expect(!Redactor.isXML(file: "notes.txt", text: "<b>x</b>"))
    }
}
