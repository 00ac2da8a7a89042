import DiagLogs
import DiagSupport
import Foundation
import Testing

@Suite struct LokiErrorQueriesTests {
    @Test func buildsCountAndLineQueries() {
        let count = LokiErrorQueries.countQuery(selector: #"{app="checkout"}"#, serviceLabel: "service_name", stepMilliseconds: 150_000)
        #expect(count == #"sum by (service_name, level, detected_level) (count_over_time({app="checkout"} |~ "(?i)(error|fatal|panic|exception|critical)" [150000ms]))"#)
        #expect(LokiErrorQueries.lineQuery(selector: "{job=~\".+\"}") == #"{job=~".+"} |~ "(?i)(error|fatal|panic|exception|critical)""#)
    }

    @Test func picksServiceLabelByPreference() {
        #expect(LokiErrorQueries.serviceLabel(among: ["app", "job", "service_name"]) == "service_name")
        #expect(LokiErrorQueries.serviceLabel(among: ["job", "app"]) == "app")
        #expect(LokiErrorQueries.serviceLabel(among: []) == "service_name")
    }

    @Test func sumsMatrixByServiceAndLevel() throws {
        let data = try JSONValue.parse(Data(#"""
            {"resultType":"matrix","result":[
              {"metric":{"service_name":"checkout","level":"error"},"values":[[1714643400,"14"],[1714643700,"9"]]},
              {"metric":{"service_name":"checkout","detected_level":"ERROR"},"values":[[1714643700,"1"]]},
              {"metric":{"service_name":"checkout","level":"warn"},"values":[[1714643700,"4"]]},
              {"metric":{"service_name":"acme-worker","detected_level":"fatal"},"values":[[1714643700,"2"]]},
              {"metric":{"detected_level":"unknown"},"values":[[1714643700,"3"]]},
              {"metric":{},"values":[[1714644000,"5"]]}
            ]}
            """#.utf8))
        let counts = try LokiErrorQueries.counts(
            fromMatrix: data, serviceLabel: "service_name", masking: TenantMasking(knownIdentifiers: ["acme"]))
        #expect(counts.belowErrorLevel == 4)
        #expect(counts.groups == [
            .init(service: "checkout", level: "error", count: 24), .init(service: "<*>-worker", level: "fatal", count: 2),
            .init(service: nil, level: "unknown", count: 8),
        ])
    }

    @Test func rejectsWrongResultTypes() throws {
        let vector = try JSONValue.parse(Data(#"{"resultType":"vector","result":[]}"#.utf8))
        #expect(throws: DiagError.self) { try LokiErrorQueries.counts(fromMatrix: vector, serviceLabel: "job", masking: nil) }
        #expect(throws: DiagError.self) { try LokiErrorQueries.entries(fromStreams: vector) }
        let badPoint = try JSONValue.parse(Data(#"{"resultType":"matrix","result":[{"metric":{},"values":[[1,2]]}]}"#.utf8))
        #expect(throws: DiagError.self) { try LokiErrorQueries.counts(fromMatrix: badPoint, serviceLabel: "job", masking: nil) }
    }

    @Test func readsStreamEntriesWithLabels() throws {
        let data = try JSONValue.parse(Data(#"""
            {"resultType":"streams","result":[
              {"stream":{"service_name":"checkout","detected_level":"error"},
               "values":[["1714644000123456789","level=error msg=\"payment declined\" order=8812"],
                         ["1714643990000000000","timeout calling bank",{"structuredMetadata":{}}]]}]}
            """#.utf8))
        let entries = try LokiErrorQueries.entries(fromStreams: data)
        #expect(entries.count == 2)
        #expect(entries[0].nanoseconds == 1_714_644_000_123_456_789)
        let fields = LokiErrorQueries.fields(of: entries[1], serviceLabel: "service_name")
        #expect(fields == .init(service: "checkout", level: .error, timestamp: 1_714_643_990))
    }
}
