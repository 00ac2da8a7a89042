@testable import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Formats that operators attach to support cases, each with the place where its values hide:
/// bank exports with worded headers, JSON printed as text, OpenTelemetry debug output, gdb
/// arguments, SQL statement logs and HAR cookies.
struct AttachmentFormatTests {
    func redact(_ text: String, file: String = "attachment.txt") -> String {
        TestSupport.makeRedactor().redactText(text, file: file)
    }

    /// Redacts `line` as streaming does, through the default ruleset's line screen.
    func streamed(_ line: String) throws -> String? {
        let screen = try #require(try CompiledRuleset(TestSupport.defaultRuleset).screen)
        return TestSupport.makeRedactor().redactScreened(line + "\n", screen: screen)
    }

    /// A log query or grep command filters on a regex group after a key: each alternative is a value.
    @Test func regexGroupAfterKeyIsAList() {
        let output = redact(#"{app="ledger"} |~ "user=(blessing.okorie|usr_5520918)" [1h]"# + "\n" + #"grep -E "tenant=(acme-bank|zenith)" app.log"#)
        #expect(!output.contains("blessing.okorie"))
        #expect(!output.contains("usr_5520918"))
        #expect(!output.contains("acme-bank"))
        #expect(!output.contains("zenith"))
        #expect(output.contains(#"{app="ledger"} |~ "user=(user-"#))
        #expect(output.contains(#"grep -E "tenant=(tenant-"#))
        #expect(output.contains(#")" app.log"#))
    }

    /// Dovecot and Postfix write values in angle brackets, and Dovecot's `Login:` has no value
    /// of its own: the user and session after it are pairs, in whole files and in streamed blocks.
    @Test func angleBracketValuesAfterKeys() throws {
        let line = "Dec  5 10:11:12 mail dovecot: imap-login: Login: user=<amaka>, method=PLAIN, TLS, session=<Bb7vN1kXwOIKAAAB>"
        let output = redact(line)
        #expect(!output.contains("amaka"))
        #expect(!output.contains("Bb7vN1kXwOIKAAAB"))
        #expect(output.contains("imap-login: Login: user=<user-"))
        #expect(output.contains(">, method=PLAIN, TLS, session=<<redacted:secret-value:"))
        #expect(try streamed(line) == output + "\n")

        // A marker written by an earlier run is not read as a value, and `<>` is empty.
        let marked = "session=<redacted:secret-value:8e6dc754> token=<>"
        #expect(redact(marked) == marked)
    }

    /// The next pair is read after a label only for identifiers: a password or token with `=`
    /// in it stays one value.
    @Test func secretValueWithEqualsSignStaysWhole() {
        let output = redact("ERROR login failed password: user=abc\nERROR token: YWJjZA== retry\nLogin: sasl_username=bola.k")
        #expect(!output.contains("user=abc"))
        #expect(!output.contains("YWJjZA"))
        #expect(!output.contains("bola.k"))
        #expect(output.contains("Login: sasl_username=user-"))
    }

    /// A phone number in parentheses is replaced without the closing parenthesis, which stays
    /// in the text, so the pseudonym that support quotes is the number alone.
    @Test func phoneInParenthesesKeepsTheParenthesis() {
        let output = redact("Wallet of Chukwuemeka Okafor (+2348031457730) has balance 0")
        #expect(!output.contains("2348031457730"))
        #expect(output.hasSuffix(") has balance 0"))
        #expect(output.contains("(+234"))
    }

    /// Words around the values of system logs stay: the word "user" before a quoted name, PAM's
    /// function name, and a Windows version beside a machine name.
    @Test func systemLogWordsStay() {
        let output = redact(
            """
            FATAL:  password authentication failed for user "ledger_app"
            passwd[41502]: pam_unix(passwd:chauthtok): password changed for musa.danjuma
            Machine: IKJ-FIN-LT042 (Microsoft Windows NT 10.0.22631.0)
            """)
        #expect(!output.contains("ledger_app"))
        #expect(!output.contains("musa.danjuma"))
        #expect(!output.contains("IKJ-FIN-LT042"))
        #expect(output.contains("failed for user \"user-"))
        #expect(output.contains("pam_unix(passwd:chauthtok): password changed for user-"))
        #expect(output.contains(" (Microsoft Windows NT 10.0.22631.0)"))
    }

    /// An ISO 20022 credit transfer loses its parties' names, street and account numbers and
    /// keeps its message references and town.
    @Test func isoPaymentMessageLosesPartyDetails() {
        let output = redact(
            """
            <GrpHdr><MsgId>WKP20241118-000042</MsgId></GrpHdr>
            <Cdtr><Nm>Tamunoibi Briggs</Nm><PstlAdr><StrtNm>14 Admiralty Way</StrtNm><TwnNm>Ikeja</TwnNm></PstlAdr></Cdtr>
            <CdtrAcct><Id><Othr><Id>2209918834</Id></Othr></Id></CdtrAcct>
            <DbtrAcct><Id><IBAN>GB29NWBK60161331926819</IBAN></Id></DbtrAcct>
            """, file: "pacs008.xml")
        for value in ["Tamunoibi", "Briggs", "Admiralty", "2209918834", "GB29NWBK60161331926819"] {
            #expect(!output.contains(value), "\(value) left in the message")
        }
        #expect(output.contains("<MsgId>WKP20241118-000042</MsgId>"))
        #expect(output.contains("<TwnNm>Ikeja</TwnNm>"))
        #expect(output.contains("<Othr><Id>customer-"))
    }

    /// A numeric id in JSON printed inside a log line gets a quoted pseudonym, so the JSON stays valid.
    @Test func numericIDInLoggedJSONIsQuoted() throws {
        let output = redact(#"payout queued {"userId":8841,"amount":5000,"user_id": -12.5}"#)
        let json = String(try #require(output.firstIndex(of: "{").map { output[$0...] }))
        let value = try JSONValue.parse(Data(json.utf8))
        #expect(value["userId"]?.stringValue?.hasPrefix("user-") == true)
        #expect(value["user_id"]?.stringValue?.hasPrefix("user-") == true)
        #expect(value["amount"] == .int(5000))
        #expect(Self.isJSONNumber("-12.5"))
        #expect(!Self.isJSONNumber("12."))
        #expect(!Self.isJSONNumber("--1"))
        #expect(!Self.isJSONNumber("8841a"))
    }

    static func isJSONNumber(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { KeyValueScanner.isJSONNumber($0[...]) }
    }

    /// A value that its key rule keeps (Netty's channel description under `channel`, which
    /// the chat-channel rule's allow list keeps) still loses the addresses inside it.
    @Test func keptKeyValueStillLosesAddresses() throws {
        let line = "ERROR [Native-Transport-Requests-9] QueryMessage.java:121 - exception; channel = [id: 0x7b1e44c2, L:/10.50.1.12:9042 - R:/10.50.4.77:41822]"
        let output = redact(line)
        #expect(!output.contains("10.50.1.12"))
        #expect(!output.contains("10.50.4.77"))
        #expect(output.contains("channel = [id: 0x7b1e44c2, L:/10."))
        #expect(output.hasPrefix("ERROR [Native-Transport-Requests-9] QueryMessage.java:121 - exception;"))
        #expect(try streamed(line) == output + "\n")
    }

    @Test func groupWithBlanksOrOneAlternativeIsNoList() {
        #expect(KeyValueScannerProbe.alternation("(a b|c)") == nil)
        #expect(KeyValueScannerProbe.alternation("(abc)") == nil)
        #expect(KeyValueScannerProbe.alternation("(a||b)") == nil)
        #expect(KeyValueScannerProbe.alternation("(a|b") == nil)
        #expect(KeyValueScannerProbe.alternation("(ab|cd)") == ["ab", "cd"])
    }

    @Test func wordedCSVHeadersNameTheirRules() throws {
        let csv = """
            Account Number,Account Name,SOURCE BVN,Narration,Amount
            0123456789,CHIDINMA OKONKWO,22311122233,rent share,150000.00

            """
        let output = String(
            decoding: try TestSupport.makeRedactor().redactFile(name: "statement.csv", data: Data(csv.utf8)), as: UTF8.self)
        #expect(!output.contains("0123456789"))
        #expect(!output.contains("CHIDINMA OKONKWO"))
        #expect(!output.contains("22311122233"))
        #expect(output.contains("rent share"))
        #expect(output.contains("150000.00"))
        #expect(output.hasPrefix("Account Number,Account Name,SOURCE BVN,Narration,Amount\n"))
    }

    /// Ansible prints a module's result as indented JSON inside its text log. A member's comma is
    /// not part of its value, so `true,` stays as it is and the JSON stays valid.
    @Test func jsonPrintedAsTextKeepsItsCommas() throws {
        let text = """
            changed: [pg-primary-01] => {
                "changed": true,
                "fail_on_user": true,
                "no_password_changes": false,
                "user": "ledger_app"
            }

            """
        let output = redact(text)
        #expect(output.contains(#""fail_on_user": true,"#))
        #expect(output.contains(#""no_password_changes": false,"#))
        #expect(output.contains(#""changed": true,"#))
        #expect(!output.contains("ledger_app"))
        let json = try #require(output.range(of: "{").map { String(output[$0.lowerBound...]) })
        #expect(throws: Never.self) { try JSONValue.parse(json) }
    }

    @Test func openTelemetryAttributeValuesAreUnwrapped() {
        let text = """
            Attributes:
                 -> enduser.id: Str(usr_5520918)
                 -> user.email: Str(chidinma.okonkwo@example.org)
                 -> http.status_code: Int(502)
                 -> service.version: Str(3.14.2)

            """
        let output = redact(text, file: "otelcol.log")
        #expect(!output.contains("usr_5520918"))
        #expect(!output.contains("chidinma.okonkwo"))
        #expect(output.contains("-> enduser.id: Str(user-"))
        #expect(output.contains("-> http.status_code: Int(502)"))
        #expect(output.contains("-> service.version: Str(3.14.2)"))
    }

    @Test func gdbArgumentsReplaceTheStringNotThePointer() {
        let text = #"#3  0x000055a1c2cf6b0e in verify_pin (ctx=0x55a1c4e1a2b0, customer_id=0x55a1c4e1b8c0 "CUS-00188342", entered_pin=0x7f3b2effc5c0 "2580") at src/verify.c:214"#
        let output = redact(text + "\n", file: "gdb.txt")
        #expect(!output.contains("CUS-00188342"))
        #expect(!output.contains(#""2580""#))
        #expect(output.contains("customer_id=0x55a1c4e1b8c0 \"customer-"))
        #expect(output.contains("at src/verify.c:214"))
    }

    @Test func insertValuesTakeTheRulesOfTheirColumns() {
        let text = """
            00:00:02.551 | INSERT INTO kyc_checks (tenant_id, customer_id, nin, full_name, attempts) VALUES ('tnt-zenith-coop-0107', 'CUS-00921', '70123456789', 'Chidinma O''Neil', 3)

            """
        let output = redact(text, file: "pg_stat_activity.txt")
        #expect(!output.contains("tnt-zenith-coop-0107"))
        #expect(!output.contains("CUS-00921"))
        #expect(!output.contains("70123456789"))
        #expect(!output.contains("Chidinma"))
        #expect(output.contains("INSERT INTO kyc_checks (tenant_id, customer_id, nin, full_name, attempts) VALUES ('tenant-"))
        #expect(output.hasSuffix(", 3)\n"), "a column no rule names keeps its value")
    }

    /// A row that is not one value per column is left to the pattern rules.
    @Test func insertWithCallsIsNotPaired() {
        let text = "INSERT INTO audit (user_id, at) VALUES (lookup('ops'), now())\n"
        #expect(redact(text) == text)
    }

    /// An env file's list value is one value per item; a `key=value` after a comma is the next pair.
    @Test func commaListsWithoutSpacesAreItemByItem() {
        let output = redact("TENANTS=tnt-zenith-coop-0107,kanoagro,lagoscredit.\nuser=bob_ops,role=admin\n", file: ".env")
        #expect(!output.contains("tnt-zenith-coop-0107"))
        #expect(!output.contains("kanoagro"))
        #expect(!output.contains("lagoscredit"))
        #expect(output.hasPrefix("TENANTS=tenant-"))
        #expect(output.contains(".\nuser="), "the sentence's final dot stays")
        #expect(!output.contains("bob_ops"))
        #expect(output.hasSuffix(",role=admin\n"))
    }

    /// A name after a user key in prose runs over its capitalized words, up to the next key.
    @Test func namesAfterUserKeysKeepTheirSurnames() {
        let output = redact("# Owner: Emeka Nwankwo (on call)\nuser=Bola Tinubu Role=admin msg=ok\n")
        #expect(!output.contains("Emeka"))
        #expect(!output.contains("Nwankwo"))
        #expect(!output.contains("Bola"))
        #expect(!output.contains("Tinubu"))
        #expect(output.contains(" (on call)\n"))
        #expect(output.contains(" Role=admin msg=ok\n"), "a capitalized key after the name stays a key")
    }

    @Test func harCookiesAreSecretsWhateverTheirNames() throws {
        let har = #"""
            {"log": {"entries": [{"request": {
              "cookies": [{"name": "_ga", "value": "GA1.2.1234567890.1715600000"}, {"name": "wk_sid", "value": "s%3Aq1w2e3r4.sig"}],
              "headers": [{"name": "Accept", "value": "application/json"}, {"name": "X-Tenant-Id", "value": "acme-bank"}]}}]}}
            """#
        let value = TestSupport.makeRedactor().redactJSON(try JSONValue.parse(har), file: "portal.har")
        let request = try #require(value["log"]?["entries"]?[0]?["request"])
        #expect(request["cookies"]?[0]?["value"]?.stringValue?.hasPrefix("<redacted:") == true)
        #expect(request["cookies"]?[1]?["value"]?.stringValue?.hasPrefix("<redacted:") == true)
        #expect(request["cookies"]?[0]?["name"] == "_ga")
        #expect(request["headers"]?[0]?["value"] == "application/json")
        #expect(request["headers"]?[1]?["value"]?.stringValue?.hasPrefix("tenant-") == true)
    }
}

/// Calls `KeyValueScanner.alternationItems` on a string.
enum KeyValueScannerProbe {
    static func alternation(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { buffer in
            KeyValueScanner.alternationItems(buffer, from: 0).map { found in
                found.values.map { String(decoding: UnsafeBufferPointer(rebasing: buffer[$0]), as: UTF8.self) }
            }
        }
    }
}
