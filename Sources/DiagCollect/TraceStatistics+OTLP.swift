import DiagSupport
import Foundation

extension TraceStatistics {
    /// Adds the spans of an OTLP/JSON `TracesData` from `/api/v3/traces`, grouped by trace ID so
    /// that a trace returned by an earlier search is skipped as with the v1 API.
    mutating func add(otlp value: JSONValue) {
        var spansByTrace: [String: [(service: String, span: JSONValue)]] = [:]
        var traceOrder: [String] = []
        for resourceSpans in value["resourceSpans"]?.arrayValue ?? [] {
            let service = Self.attribute("service.name", in: resourceSpans["resource"]?["attributes"])?.stringValue ?? "unknown"
            for scopeSpans in resourceSpans["scopeSpans"]?.arrayValue ?? [] {
                for span in scopeSpans["spans"]?.arrayValue ?? [] {
                    let trace = span["traceId"]?.stringValue ?? ""
                    if spansByTrace[trace] == nil { traceOrder.append(trace) }
                    spansByTrace[trace, default: []].append((service, span))
                }
            }
        }

        // Rebuilt in the v1 shape, so one code path classifies and counts every span.
        let traces: [JSONValue] = traceOrder.map { trace in
            let spans = spansByTrace[trace] ?? []
            let services = Array(Set(spans.map(\.service))).sorted()
            var processes: [String: JSONValue] = [:]
            for (index, service) in services.enumerated() { processes["p\(index + 1)"] = ["serviceName": .string(service)] }
            let converted: [JSONValue] = spans.map { entry in
                let process = "p\((services.firstIndex(of: entry.service) ?? 0) + 1)"
                return Self.v1Span(entry.span, processID: process)
            }
            return ["traceID": .string(trace), "spans": .array(converted), "processes": .object(processes)]
        }
        add(traces: traces)
    }

    /// Converts an OTLP span to the v1 fields the statistics read: operation name, process,
    /// duration in microseconds and error tags. A span without valid times gets no duration.
    static func v1Span(_ span: JSONValue, processID: String) -> JSONValue {
        var tags: [JSONValue] = []
        let code = span["status"]?["code"]
        if code == .int(2) || code?.stringValue == "STATUS_CODE_ERROR" {
            tags.append(["key": "otel.status_code", "value": "ERROR"])
        }
        if attribute("error", in: span["attributes"])?["boolValue"] == .bool(true) {
            tags.append(["key": "error", "value": true])
        }
        var converted: [String: JSONValue] = [
            "operationName": span["name"] ?? "",
            "processID": .string(processID),
            "tags": .array(tags),
        ]
        if let start = nanoseconds(span["startTimeUnixNano"]), let end = nanoseconds(span["endTimeUnixNano"]), end >= start {
            converted["duration"] = .int((end - start) / 1000)
        }
        return .object(converted)
    }

    /// Returns the `value` of the attribute named `key` in an OTLP attribute list.
    static func attribute(_ key: String, in attributes: JSONValue?) -> JSONValue? {
        guard let match = attributes?.arrayValue?.first(where: { $0["key"]?.stringValue == key }) else { return nil }
        let value = match["value"]
        return value?["stringValue"] ?? value
    }

    /// Reads an OTLP `…UnixNano` field, which protobuf JSON writes as a decimal string.
    private static func nanoseconds(_ value: JSONValue?) -> Int64? {
        if let text = value?.stringValue { return Int64(text) }
        return value?.intValue
    }
}
