import DiagCollect
@testable import DiagCore
import DiagSupport
import Foundation
import Testing

/// The PromQL matcher injector on expressions whose selectors are easy to miss or to invent.
@Suite struct TenantScopeRewriterTests {
    let injector = PromQLMatcherInjector(label: "tenant_id", value: "acme-bank-ng")

    @Test(arguments: [
        ("up", #"up{tenant_id="acme-bank-ng"}"#),
        ("ALERTS", #"ALERTS{tenant_id="acme-bank-ng"}"#),
        ("max_over_time(ALERTS[15s])", #"max_over_time(ALERTS{tenant_id="acme-bank-ng"}[15s])"#),
        (#"up{job="node"}"#, #"up{job="node", tenant_id="acme-bank-ng"}"#),
        (#"up{job="node",}"#, #"up{job="node",tenant_id="acme-bank-ng"}"#),
        ("up{}", #"up{tenant_id="acme-bank-ng"}"#),
        (#"{__name__="up"}"#, #"{__name__="up", tenant_id="acme-bank-ng"}"#),
        (#"{"up"}"#, #"{"up", tenant_id="acme-bank-ng"}"#),
        ("up {job=\"a\"}", "up {job=\"a\", tenant_id=\"acme-bank-ng\"}"),
        (
            "sum by (job) (rate(http_requests_total[5m]))",
            #"sum by (job) (rate(http_requests_total{tenant_id="acme-bank-ng"}[5m]))"#
        ),
        (
            "sum(rate(x[5m])) without (instance, pod)",
            #"sum(rate(x{tenant_id="acme-bank-ng"}[5m])) without (instance, pod)"#
        ),
        (
            "a / on(job) group_left(team) b",
            #"a{tenant_id="acme-bank-ng"} / on(job) group_left(team) b{tenant_id="acme-bank-ng"}"#
        ),
        (
            "a * ignoring (le) group_right b",
            #"a{tenant_id="acme-bank-ng"} * ignoring (le) group_right b{tenant_id="acme-bank-ng"}"#
        ),
        ("a and b or c unless d", #"a{tenant_id="acme-bank-ng"} and b{tenant_id="acme-bank-ng"} or c{tenant_id="acme-bank-ng"} unless d{tenant_id="acme-bank-ng"}"#),
        ("x > bool 0.5", #"x{tenant_id="acme-bank-ng"} > bool 0.5"#),
        ("x offset 5m", #"x{tenant_id="acme-bank-ng"} offset 5m"#),
        ("x offset -1h30m", #"x{tenant_id="acme-bank-ng"} offset -1h30m"#),
        ("x @ start()", #"x{tenant_id="acme-bank-ng"} @ start()"#),
        ("x @ 1609746000", #"x{tenant_id="acme-bank-ng"} @ 1609746000"#),
        ("max_over_time(rate(x[5m])[1h:5m])", #"max_over_time(rate(x{tenant_id="acme-bank-ng"}[5m])[1h:5m])"#),
        ("1 - avg by (job) (a / b)", #"1 - avg by (job) (a{tenant_id="acme-bank-ng"} / b{tenant_id="acme-bank-ng"})"#),
        ("x * 1e-3 + 0x1F", #"x{tenant_id="acme-bank-ng"} * 1e-3 + 0x1F"#),
        ("x > Inf or y < NaN", #"x{tenant_id="acme-bank-ng"} > Inf or y{tenant_id="acme-bank-ng"} < NaN"#),
        ("vector(1)", "vector(1)"),
        ("time() - 5", "time() - 5"),
        ("topk(5, x)", #"topk(5, x{tenant_id="acme-bank-ng"})"#),
        (#"count_values("v", x)"#, #"count_values("v", x{tenant_id="acme-bank-ng"})"#),
        (
            #"label_replace(x, "tenant_id", "up", "", "")"#,
            #"label_replace(x{tenant_id="acme-bank-ng"}, "tenant_id", "up", "", "")"#
        ),
        (#"x{a="}{[(", b=~'x\'y'}"#, #"x{a="}{[(", b=~'x\'y', tenant_id="acme-bank-ng"}"#),
        ("x # a comment naming metric_y\n+ z", "x{tenant_id=\"acme-bank-ng\"} # a comment naming metric_y\n+ z{tenant_id=\"acme-bank-ng\"}"),
        ("job:rate:sum5m", #"job:rate:sum5m{tenant_id="acme-bank-ng"}"#),
        (#"x{tenant_id!="acme-bank-ng"}"#, #"x{tenant_id!="acme-bank-ng", tenant_id="acme-bank-ng"}"#),
    ])
    func injectsIntoEverySelector(_ input: String, _ expected: String) throws {
        #expect(try injector.inject(into: input) == expected)
    }

    @Test(arguments: [#"up{job="node"#, "up{job=\"a\"", "rate(x[5m]", "sum by (job (x)", "x{a{b}}", "'unterminated", "x)", "(x]"])
    func rejectsUnclosedExpressions(_ input: String) {
        #expect(throws: DiagError.self) { try injector.inject(into: input) }
    }

    @Test func quotesTheValue() throws {
        let odd = PromQLMatcherInjector(label: "tenant_id", value: #"a"b\c"#)
        #expect(try odd.inject(into: "up") == #"up{tenant_id="a\"b\\c"}"#)
    }

    @Test func emptyAndNonASCIIExpressions() throws {
        #expect(try injector.inject(into: "") == "")
        #expect(try injector.inject(into: #"x{city="Ọ̀yọ́"}"#) == #"x{city="Ọ̀yọ́", tenant_id="acme-bank-ng"}"#)
    }

    @Test func scopesEveryDefaultQuery() throws {
        let querySet = try QuerySet.load(url: TestSupport.repositoryRoot.appendingPathComponent("Queries/default.yaml"))
        for query in querySet.queries {
            let scoped = try injector.inject(into: query.expr)
            let selectors = scoped.components(separatedBy: #"tenant_id="acme-bank-ng""#).count - 1
            #expect(selectors >= 1, "\(query.name) got no matcher: \(scoped)")
        }
    }

    @Test func tenantOnlyInSaasMode() throws {
        #expect(try TenantScope.resolve(tenant: "acme-bank-ng", mode: .saas, option: "--tenant") == .tenant("acme-bank-ng"))
        #expect(try TenantScope.resolve(tenant: nil, mode: .partner, option: "--tenant") == .aggregated)
        #expect(throws: DiagError.self) { try TenantScope.resolve(tenant: "acme", mode: .partner, option: "--tenant") }
        #expect(throws: DiagError.self) { try TenantScope.resolve(tenant: "acme", mode: .selfHosted, option: "--tenant") }
        #expect(throws: DiagError.self) { try TenantScope.resolve(tenant: #"a"}"#, mode: .saas, option: "--tenant") }
        #expect(throws: DiagError.self) { try TenantScope.resolve(tenant: "", mode: .saas, option: "--tenant") }
    }
}
