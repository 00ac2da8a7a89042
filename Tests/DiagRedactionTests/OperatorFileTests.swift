import DiagRedaction
import Foundation
import Testing

/// Files that operators attach to a ticket, each in its own format: client credential files,
/// inventories, unit files, SQL logs and Kubernetes Secrets. Every planted value must be gone
/// and the words that make the file readable must stay.
struct OperatorFileTests {
    /// Redacts `text` as `waka-diag redact` redacts a small file: whole, with a value found by
    /// key also replaced on other lines.
    func redact(_ text: String, file: String) throws -> String {
        let output = try TestSupport.makeRedactor().redactFile(name: file, data: Data(text.utf8), sweepsKnownValues: true)
        return String(decoding: output, as: UTF8.self)
    }

    @Test func pgpassLinesLoseUserAndPassword() throws {
        let text = """
            # hostname:port:database:username:password
            db-01.acme.internal:5432:billing:billing_app:Qh7#pLw2
            10.58.190.105:5432:*:replicator:R3pl!cat0rPassw0rd
            *:*:analytics:adaeze:ada123
            *:*:*:postgres:PgSuper-9

            """
        let output = try redact(text, file: "pgpass")
        for value in ["Qh7#pLw2", "R3pl!cat0rPassw0rd", "ada123", "PgSuper-9", "billing_app", "replicator", "adaeze", "db-01.acme"] {
            #expect(!output.contains(value), "\(value) in \(output)")
        }
        // The header comment names the fields and stays as it is, and the built-in account is kept.
        #expect(output.hasPrefix("# hostname:port:database:username:password\n"), "\(output)")
        #expect(output.contains(":postgres:<redacted:"), "\(output)")
    }

    @Test func netrcRedisHAProxyAndSSHConfig() throws {
        let text = """
            machine 10.140.88.227 login admin password adm
            machine git.acme-corp.internal login kelechi password KeleChi-Pw-41
            user monitor on >mon1 ~* +info +ping
            masteruser replica-user
            userlist ops
                user segun password $6$rounds=5000$Xk2Lm9Qv$3zQf8mX0kLr1yV0aB7cD9eF2gH4iJ6kL8mN0pQ2rS4tU6vW8xY0z
                user amaka insecure-password HaPw-Amaka-12
            Host legacy-billing
                HostName %h.lagos.acme-corp.internal
                User ngozi
            ExecStart=/opt/app/bin/worker --redis-pass RdsLag0s2024xyz --port 8080
            ansible_become_pass=Tr0ub4dor&3

            """
        let output = try redact(text, file: "notes.txt")
        for value in [
            " adm\n", "KeleChi-Pw-41", "kelechi", "mon1", "replica-user", "segun", "Xk2Lm9Qv", "amaka", "HaPw-Amaka-12",
            "legacy-billing", "lagos.acme-corp", "ngozi", "RdsLag0s2024xyz", "Tr0ub4dor", "&3",
        ] {
            #expect(!output.contains(value), "\(value) in \(output)")
        }
        // The words that name each line's fields stay, and so does the ssh_config token.
        for expected in ["machine ", " login admin password ", " on >", "masteruser ", "insecure-password", "HostName %h.", "--port 8080"] {
            #expect(output.contains(expected), "\(expected) missing from \(output)")
        }
    }

    @Test func sqlStatementsAndBindParameters() throws {
        let text = """
            LOG:  statement: ALTER ROLE grafana_ro WITH PASSWORD 'GrafRO-2024!x';
            LOG:  execute <unnamed>: UPDATE accounts SET balance = balance - $1 WHERE nuban = $2
            LOG:  statement: ALTER USER postgres WITH SUPERUSER;
            notify user=@ngozi about the failed login

            """
        let output = try redact(text, file: "postgresql.log")
        #expect(!output.contains("GrafRO-2024!x"), "\(output)")
        #expect(!output.contains("grafana_ro"), "\(output)")
        // Placeholders hold no value, and the built-in superuser is kept.
        #expect(output.contains("WHERE nuban = $2"), "\(output)")
        #expect(output.contains("ALTER USER postgres WITH SUPERUSER"), "\(output)")
        // A chat handle starts like a named parameter but names a person.
        #expect(!output.contains("@ngozi"), "\(output)")
    }

    @Test func inlineListsRedactedByItem() throws {
        let text = """
            tenant_ids = ["tnt-okada-0192", "tnt-danfo-7731"]
            region = "af-south-1"

            """
        let output = try redact(text, file: "prod.tfvars")
        #expect(!output.contains("tnt-okada-0192"), "\(output)")
        #expect(!output.contains("tnt-danfo-7731"), "\(output)")
        #expect(output.hasPrefix(#"tenant_ids = ["tenant-"#), "\(output)")
        #expect(output.contains(#"region = "af-south-1""#))
    }

    @Test func stackFramesAndQueriesKeepShape() throws {
        let text = """
            \tat com.acme.auth.TokenFilter.doFilterInternal(TokenFilter.java:74)
            GET /cb?token=abc123def456&page=2 HTTP/1.1
            webhook delivered url=https://hooks.example.com/waka?key=Hk7mQ2xZ9vL4pR8t status=200
            {"key": "service.name", "value": "billing"}

            """
        let output = try redact(text, file: "app.log")
        #expect(output.contains("(TokenFilter.java:74)"), "\(output)")
        #expect(!output.contains("abc123def456"), "\(output)")
        #expect(output.contains("&page=2 HTTP/1.1"), "the query string still ends the value at &: \(output)")
        // In a query string `key` is an API key; elsewhere it names a field.
        #expect(!output.contains("Hk7mQ2xZ9vL4pR8t"), "\(output)")
        #expect(output.contains(#"{"key": "service.name", "value": "billing"}"#), "\(output)")
    }

    @Test func secretDataReplacedWhateverKey() throws {
        let text = """
            apiVersion: v1
            kind: Secret
            metadata:
              name: notify
            type: Opaque
            data:
              NOTIFY_EMAIL: dHVuZGUuYmFrYXJlQHdha2FwYXkubmc=
              PLAIN: c2VjcmV0
            stringData:
              greeting: hello-there
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              LOG_LEVEL: info
            ---
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: Secret
                data:
                  TOKEN: dG9rZW4tdmFsdWUtMTIz

            """
        let output = try redact(text, file: "k8s.yaml")
        for value in ["dHVuZGUuYmFrYXJlQHdha2FwYXkubmc=", "c2VjcmV0", "hello-there", "dG9rZW4tdmFsdWUtMTIz"] {
            #expect(!output.contains(value), "\(value) in \(output)")
        }
        #expect(output.contains("  NOTIFY_EMAIL: <redacted:secret-value:"), "\(output)")
        #expect(output.contains("name: notify"), "\(output)")
        #expect(output.contains("LOG_LEVEL: info"), "a ConfigMap's data is not secret: \(output)")
    }

    /// `kubectl get secrets -o json` prints a List whose items are Secrets.
    @Test func kubernetesSecretListInJSON() throws {
        let text = """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "notify"},
               "data": {"NOTIFY_EMAIL": "dHVuZGUuYmFrYXJlQHdha2FwYXkubmc=", "PLAIN": "c2VjcmV0"}},
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"LOG_LEVEL": "info"}}
            ]}
            """
        let output = try redact(text, file: "secrets.json")
        #expect(!output.contains("dHVuZGUuYmFrYXJlQHdha2FwYXkubmc="), "\(output)")
        #expect(!output.contains("c2VjcmV0"), "\(output)")
        #expect(output.contains(#""NOTIFY_EMAIL": "<redacted:secret-value:"#), "\(output)")
        #expect(output.contains(#""LOG_LEVEL": "info""#), "\(output)")
    }

    @Test func accountNumbersNamesAndArns() throws {
        let text = """
            debit failed for account 0123456789 (NUBAN)
            GET /v2/accounts/0456789123/balance HTTP/1.1
            caller said my BVN is 22345678901
            callback requested by Mrs. Adaeze Nwosu
            "arn": "arn:aws:rds:af-south-1:418273645091:db:waka-prod"
            transfer approved by user okechukwu.iwu
            tls-cert-file /etc/redis/tls/cache-a.lagos.acme-corp.internal.crt

            """
        let output = try redact(text, file: "journal.log")
        for value in ["0123456789", "0456789123", "22345678901", "Adaeze", "Nwosu", "418273645091", "okechukwu", "cache-a.lagos"] {
            #expect(!output.contains(value), "\(value) in \(output)")
        }
        #expect(output.contains("arn:aws:rds:af-south-1:"), "\(output)")
        #expect(output.contains(".internal.crt\n"), "\(output)")
    }

    /// XML configs and event exports name their values by element or by a Name attribute.
    @Test func xmlElementsAndNamedDataAreKeys() throws {
        let text = """
            <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
              <username>dbadmin</username>
              <password>Abj#2026</password>
              <description>database login</description>
            </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
            <System><Provider Name="Microsoft-Windows-Security-Auditing"/><Channel>Security</Channel></System>
            <EventData><Data Name="TargetUserName">a.bello</Data><Data Name="TargetUserSid">S-1-5-21-3623811015-3361044348-30300820-1107</Data><Data Name="WorkstationName">LT-ABELLO-04</Data><Data Name="LogonType">3</Data></EventData>
            <appSettings><add key="DbPassword" value="Cfg-Pw-7781" /></appSettings>
            <saml:Attribute Name="displayName" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">
              <saml:AttributeValue xsi:type="xs:string">Aisha Bello</saml:AttributeValue></saml:Attribute>
            <saml:Attribute Name="sAMAccountName"><saml:AttributeValue>abello</saml:AttributeValue></saml:Attribute>
            <saml:Attribute Name="employeeID"><saml:AttributeValue>WP-01187</saml:AttributeValue></saml:Attribute>

            """
        let output = try redact(text, file: "credentials.xml")
        for value in ["dbadmin", "Abj#2026", "a.bello", "3623811015", "LT-ABELLO-04", "Cfg-Pw-7781", "Aisha Bello", "abello", "WP-01187"] {
            #expect(!output.contains(value), "\(value) in \(output)")
        }
        // Element names, other elements and numbers stay.
        for expected in [
            // In an XML file the marker is escaped, so the document stays well-formed.
            "<username>user-", "<password>&lt;redacted:secret-value:", "<description>database login</description>",
            #"<Data Name="LogonType">3</Data>"#, "<Channel>Security</Channel>", "Microsoft-Windows-Security-Auditing",
        ] {
            #expect(output.contains(expected), "\(expected) missing from \(output)")
        }
    }

    @Test func commandLineUsersAndShortPasswords() throws {
        let text = """
            docker login -u wakabizbot -p 'DockerHub#Pass2026' docker.io
            mysql -h 10.1.2.3 -u notify_app -p shop
            redis-cli -h 10.1.2.4 -a r3d1s info replication
            ssh tunde@10.188.199.31
            You can log in to the staging Grafana as ww-support / Wk!supp0rt2026 until Friday.

            """
        let output = try redact(text, file: ".bash_history")
        for value in ["wakabizbot", "DockerHub#Pass2026", "notify_app", "r3d1s", "tunde@", "ww-support", "Wk!supp0rt2026"] {
            #expect(!output.contains(value), "\(value) in \(output)")
        }
        #expect(output.contains(" info replication"), "\(output)")
    }

    @Test func displayNamesBeforeAddresses() throws {
        let text = """
            From: Folake Adeyemi <folake.adeyemi@acme-corp.ng>
            Cc: "Obi, Emeka" <emeka.obi@acme-corp.ng>
            From: Alertmanager <alertmanager@localhost>

            """
        let output = try redact(text, file: "thread.eml")
        for value in ["Folake", "Adeyemi", "Obi, Emeka"] {
            #expect(!output.contains(value), "\(value) in \(output)")
        }
        #expect(output.contains("From: Alertmanager <alertmanager@localhost>"), "\(output)")
    }

    /// `journalctl -o json` writes one document per line, and operators save it as .json.
    @Test func jsonLinesSavedAsJSON() throws {
        let text = """
            {"MESSAGE": "login failed for ngozi@acme-corp.ng", "_HOSTNAME": "api-01.acme-corp.internal", "_MACHINE_ID": "9c1e4b7a2d5f8e0c3b6a9d2f5e8b1c4a"}
            {"MESSAGE": "retry", "_HOSTNAME": "api-01.acme-corp.internal"}

            """
        let output = try redact(text, file: "journal.json")
        #expect(!output.contains("ngozi@acme-corp.ng"), "\(output)")
        #expect(!output.contains("api-01.acme-corp.internal"), "\(output)")
        #expect(!output.contains("9c1e4b7a2d5f8e0c3b6a9d2f5e8b1c4a"), "the machine id names one host: \(output)")
        #expect(output.split(separator: "\n").count == 2, "one document per line: \(output)")
    }

    @Test func vendorIdsAndPipedPasswords() throws {
        let text = """
            twilio.account-sid=AC5f2e8a1c9b7d3e6f4a0c8b2d9e1f7a3c
            {"type":"response","auth":{"entity_id":"8f2c6a1e-3b7d-4f9e-a0c5-2d8b1e6f4a73"}}
            echo 'Adm1n!Kano#26' | docker login registry.acme.internal -u admin --password-stdin
            Service Account:  billing-worker
            account_id=998877

            """
        let output = try redact(text, file: "mixed.log")
        for value in ["AC5f2e8a1c9b7d3e6f4a0c8b2d9e1f7a3c", "8f2c6a1e-3b7d", "Adm1n!Kano#26", "998877"] {
            #expect(!output.contains(value), "\(value) in \(output)")
        }
        // A Kubernetes service account is a workload, not a customer account.
        #expect(output.contains("Service Account:  billing-worker"), "\(output)")
    }
}
