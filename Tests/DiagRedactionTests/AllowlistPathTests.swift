import DiagRedaction
import Testing

/// Allowlist key paths and file globs: syntax, matching and the errors for bad paths.
struct AllowlistPathTests {
    static func steps(_ text: String) -> [ConfigPathStep] {
        // A compact notation for the tests: `a.b[]` -> key a, key b, item.
        var result: [ConfigPathStep] = []
        for part in text.split(separator: ".") {
            var name = Substring(part)
            var items = 0
            while name.hasSuffix("[]") {
                name = name.dropLast(2)
                items += 1
            }
            if !name.isEmpty { result.append(.key(String(name))) }
            result += Array(repeating: .item, count: items)
        }
        return result
    }

    @Test(arguments: [
        ("global.scrape_interval", "global.scrape_interval", true),
        ("global.scrape_interval", "global.scrape_timeout", false),
        ("global.scrape_interval", "global", false),
        ("global.scrape_interval", "global.scrape_interval.x", false),
        ("scrape_configs[].job_name", "scrape_configs[].job_name", true),
        ("scrape_configs[*].job_name", "scrape_configs[].job_name", true),
        ("scrape_configs[].job_name", "scrape_configs.job_name", false),
        ("targets[]", "targets", false),
        ("targets[][]", "targets[][]", true),
        ("labels.*", "labels.team", true),
        ("labels.*", "labels[]", false),
        ("labels.*", "labels.team.x", false),
        ("route.routes[].**.receiver", "route.routes[].receiver", true),
        ("route.routes[].**.receiver", "route.routes[].routes[].routes[].receiver", true),
        ("route.routes[].**.receiver", "route.receiver", false),
        ("**", "a.b[].c", true),
        ("a.**", "a", true),
        ("[]", "[]", true),
        ("[].name", "[].name", true),
    ])
    func pathMatching(pattern: String, path: String, expected: Bool) throws {
        let parsed = try AllowlistPath(pattern)
        #expect(parsed.matches(Self.steps(path)) == expected, "\(pattern) against \(path)")
    }

    @Test func quotedKeyKeepsDots() throws {
        let path = try AllowlistPath(#"labels."app.kubernetes.io/name""#)
        #expect(path.matches([.key("labels"), .key("app.kubernetes.io/name")]))
        #expect(!path.matches([.key("labels"), .key("app"), .key("kubernetes"), .key("io/name")]))
    }

    @Test(arguments: [
        ("", "empty"),
        ("a..b", "empty key"),
        ("a.b.", "ends with '.'"),
        ("a[0]", "list indexes are not supported"),
        ("a[", "must be '[]' or '[*]'"),
        ("job*", "must stand alone as a wildcard"),
        ("a b", "white space"),
        (#"a."b"#, "not closed"),
        (#"a."""#, "quoted key"),
        ("a[]b", "expected '.' or '['"),
    ])
    func invalidPathIsRejected(text: String, reason: String) {
        do {
            _ = try AllowlistPath(text)
            Issue.record("'\(text)' was accepted")
        } catch let error as AllowlistPathError {
            #expect(error.reason.contains(reason), "\(text): \(error.reason)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    static func allowlist(files: [String]) -> Allowlist {
        Allowlist(id: "t", description: "t", files: files, keep: [], source: "test")
    }

    @Test(arguments: [
        (["prometheus.yml"], "config/prometheus/prometheus.yml", true),
        (["prometheus.yml"], "config/prometheus/prometheus.yml.bak", false),
        (["prometheus-*.yml"], "config/files/etc/prometheus-prod.yml", true),
        (["prometheus-*.yml"], "config/files/etc/prometheus.yml", false),
        (["*rules*.yml"], "config/files/demo/rules.yml", true),
        (["config/prometheus/*.yml"], "config/prometheus/prometheus.yml", true),
        (["config/*.yml"], "config/prometheus/prometheus.yml", false),
        (["config/**/*.yml"], "config/prometheus/prometheus.yml", true),
        (["config/**/prometheus.yml"], "config/prometheus.yml", true),
        (["alertmanager.y?l"], "config/alertmanager/alertmanager.yml", true),
        (["alertmanager.y?l"], "alertmanager.yaml", false),
    ])
    func fileGlobs(globs: [String], file: String, expected: Bool) {
        #expect(Self.allowlist(files: globs).covers(file: file) == expected, "\(globs) against \(file)")
    }
}
