import DiagRedaction
import Foundation
import Testing

/// INI values in every quoting form that Grafana's and Python's INI readers accept.
struct INIQuotingTests {
    static let secret = "Gr4fanaDb-PLANTED-9b1c"

    /// Lines whose value is `secret`, each followed by the text that must survive around it.
    static let lines: [(line: String, kept: [String])] = [
        (#"password = """Gr4fanaDb-PLANTED-9b1c""""#, [#"password = """"#, #"""""#]),
        (#"password = "Gr4fanaDb-PLANTED-9b1c""#, [#"password = ""#]),
        ("password = 'Gr4fanaDb-PLANTED-9b1c'", ["password = '"]),
        ("password = '''Gr4fanaDb-PLANTED-9b1c'''", ["password = '''"]),
        ("password = Gr4fanaDb-PLANTED-9b1c", ["password = "]),
        ("password : Gr4fanaDb-PLANTED-9b1c", ["password : "]),
        (#"password : """Gr4fanaDb-PLANTED-9b1c""""#, ["password : "]),
        ("password=Gr4fanaDb-PLANTED-9b1c", ["password="]),
        ("\tpassword   =   \"\"\"Gr4fanaDb-PLANTED-9b1c\"\"\"   ", ["\tpassword   =   "]),
        (#"password = """Gr4fanaDb-PLANTED-9b1c""" ; set by ops"#, ["; set by ops"]),
        (#"password = "Gr4fanaDb-PLANTED-9b1c" # set by ops"#, ["# set by ops"]),
        (#"level=info msg="loaded" password = """Gr4fanaDb-PLANTED-9b1c""" ok"#, ["level=info", " ok"]),
        (#"{"line": "password = \"\"\"Gr4fanaDb-PLANTED-9b1c\"\"\""}"#, [#"{"line": "password = \"\"\""#]),
        ("admin_password = \"\"\"Gr4fanaDb-PLANTED-9b1c\"\"\"\r", ["admin_password = "]),
    ]

    @Test(arguments: 0..<lines.count)
    func quotedINIValueIsReplaced(index: Int) {
        let (line, kept) = Self.lines[index]
        let output = TestSupport.makeRedactor().redactText(line, file: "grafana.ini")

        #expect(!output.contains(Self.secret), "\(line) -> \(output)")
        #expect(output.contains("<redacted:secret-value:"), "\(line) -> \(output)")
        for text in kept {
            #expect(output.contains(text), "\(line) -> \(output) lost \(text)")
        }
    }

    @Test func grafanaSectionKeepsLayout() {
        let text = """
            [database]
            type = postgres
            password = \"\"\"Gr4fanaDb-PLANTED-9b1c\"\"\"
            ssl_mode = require

            """
        let output = TestSupport.makeRedactor().redactText(text, file: "grafana.ini")

        #expect(!output.contains(Self.secret))
        #expect(output.hasPrefix("[database]\ntype = postgres\npassword = \"\"\"<redacted:secret-value:"))
        #expect(output.hasSuffix("\"\"\"\nssl_mode = require\n"))
    }

    @Test func multiLineTripleQuotedValueIsReplacedWhole() {
        let text = "password = \"\"\"first-Half-7c1\nsecond-Half-9d2\"\"\"\nnext = 1\n"
        let output = TestSupport.makeRedactor().redactText(text, file: "grafana.ini")

        #expect(!output.contains("first-Half-7c1"))
        #expect(!output.contains("second-Half-9d2"))
        #expect(output.hasSuffix("\"\"\"\nnext = 1\n"))
    }

    @Test func unterminatedTripleQuoteReplacesRestOfLine() {
        let text = "password = \"\"\"Gr4fanaDb-PLANTED-9b1c\nport = 3000"
        let output = TestSupport.makeRedactor().redactText(text, file: "grafana.ini")

        #expect(!output.contains(Self.secret))
        #expect(output.hasSuffix("\nport = 3000"))
    }

    @Test func emptyQuotesStayEmpty() {
        let redactor = TestSupport.makeRedactor()
        for line in ["password = \"\"\"\"\"\"", "password = \"\"", "password = ''", "password ="] {
            #expect(redactor.redactText(line, file: "grafana.ini") == line)
        }
    }

    @Test func iniFileThroughRedactFile() throws {
        let text = "[security]\nsecret_key = \"\"\"SW2YcwTIb9zpOOhoPsMm\"\"\"\nhttp_port = 3000\n"
        let redactor = TestSupport.makeRedactor()
        let output = String(decoding: try redactor.redactFile(name: "grafana.ini", data: Data(text.utf8)), as: UTF8.self)

        #expect(!output.contains("SW2YcwTIb9zpOOhoPsMm"))
        #expect(output.hasSuffix("\"\"\"\nhttp_port = 3000\n"))
    }
}
