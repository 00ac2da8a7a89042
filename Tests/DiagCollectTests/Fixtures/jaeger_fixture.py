#!/usr/bin/env python3
"""Loopback stand-in for the Jaeger 1.62 query service's HTTP JSON API (v1) and its SPM endpoints.

Responses follow upstream field for field: the {"data","total","limit","offset","errors"}
envelope, errors written with Go's http.Error (text/plain content type, JSON envelope body,
trailing newline), times in microseconds, 501 from /api/metrics/* without a metrics backend.

Data: 30 traces, one every 10 s ending 5 s before the fixture started. Trace i has a frontend
span "GET /cart" of (i+1) ms and a checkout span "POST /checkout" of (i+1)/2 ms; every third
trace (i % 3 == 0) also has a payments span "charge-card" of 2 ms. The payments spans of traces
0 and 18 carry error=true, of 9 and 27 otel.status_code=ERROR; trace 3 carries error="false".
Tags, logs and process tags hold made-up personal data that must never reach a bundle.

Scenarios: normal, spm (SPM enabled), v3-only (the v1 search routes return 404, as in Jaeger 2
after 2.20, and /api/v3 serves the same traces as OTLP/JSON, with errors as span status codes),
and the faults of fixture_common.FAULT_SCENARIOS.
"""
import datetime
import time

from fixture_common import FAULT_SCENARIOS, Reply, html_reply, json_reply, serve, stalled, truncated

NOW_US = int(time.time() * 1_000_000)
SERVICES = ["checkout", "frontend", "payments"]
OPERATIONS = {
    "frontend": ["GET /cart", "GET /health"],
    "checkout": ["POST /checkout"],
    "payments": ["charge-card", "refund"],
}
SECRET_VALUES = ["alice@example.com", "4111111111111111", "session=9f8e7d6c", "checkout-7d9f-host"]


def trace_id(index):
    return "%032x" % (0x4BF92F3577B34DA6A3CE929D0E0E0000 + index)


def span(trace, index, suffix, operation, process, start, duration, tags, references=()):
    return {
        "traceID": trace,
        "spanID": "%014x%02x" % (index, suffix),
        "flags": 1,
        "operationName": operation,
        "references": [{"refType": "CHILD_OF", "traceID": trace, "spanID": ref} for ref in references],
        "startTime": start,
        "duration": duration,
        "tags": tags,
        "logs": [{"timestamp": start + 10, "fields": [{"key": "message", "type": "string", "value": "card of alice@example.com declined"}]}],
        "processID": process,
        "warnings": None,
    }


def make_trace(index):
    trace = trace_id(index)
    start = NOW_US - 5_000_000 - index * 10_000_000
    root = "%014x%02x" % (index, 1)
    spans = [
        span(trace, index, 1, "GET /cart", "p1", start, (index + 1) * 1000,
             [{"key": "span.kind", "type": "string", "value": "server"},
              {"key": "user.email", "type": "string", "value": "alice@example.com"},
              {"key": "http.url", "type": "string", "value": "https://shop.example/cart?session=9f8e7d6c"}]),
        span(trace, index, 2, "POST /checkout", "p2", start + 100, (index + 1) * 500,
             [{"key": "card.number", "type": "string", "value": "4111111111111111"}], [root]),
    ]
    if index % 3 == 0:
        tags = [{"key": "span.kind", "type": "string", "value": "client"}]
        if index in (0, 18):
            tags.append({"key": "error", "type": "bool", "value": True})
        elif index in (9, 27):
            tags.append({"key": "otel.status_code", "type": "string", "value": "ERROR"})
        elif index == 3:
            tags.append({"key": "error", "type": "string", "value": "false"})
        spans.append(span(trace, index, 3, "charge-card", "p3", start + 200, 2000, tags, [root]))
    processes = {
        "p1": {"serviceName": "frontend", "tags": [{"key": "hostname", "type": "string", "value": "checkout-7d9f-host"}]},
        "p2": {"serviceName": "checkout", "tags": []},
    }
    if index % 3 == 0:
        processes["p3"] = {"serviceName": "payments", "tags": [{"key": "service.version", "type": "string", "value": "1.8.2"}]}
    return {"traceID": trace, "spans": spans, "processes": processes, "warnings": None}


TRACES = [make_trace(index) for index in range(30)]


def envelope(data, total=0):
    return json_reply({"data": data, "total": total, "limit": 0, "offset": 0, "errors": None})


def error(status, message):
    """An error the way Jaeger writes it: http.Error, so text/plain with a JSON body and a newline."""
    body = '{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":%d,"msg":"%s"}]}\n' % (status, message)
    return Reply(status, body, "text/plain; charset=utf-8", {"X-Content-Type-Options": "nosniff"})


def metric_family(name, help_text, value_of):
    metrics = []
    for service in SERVICES:
        points = [{"gaugeValue": {"doubleValue": value_of(service, step)}, "timestamp": "2024-05-02T09:59:%02dZ" % (step * 5)}
                  for step in range(3)]
        points.append({"gaugeValue": {}, "timestamp": "2024-05-02T09:59:15Z"})
        metrics.append({"labels": [{"name": "service_name", "value": service}], "metricPoints": points})
    return json_reply({"name": name, "type": "GAUGE", "help": help_text, "metrics": metrics})


def parse_rfc3339_nano(text):
    """Microseconds since the epoch of an RFC 3339 UTC time with up to 9 fraction digits."""
    whole, _, fraction = text.rstrip("Z").partition(".")
    moment = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp()) * 1_000_000 + int((fraction + "000000")[:6])


def otlp_value(tag):
    kind = {"string": "stringValue", "bool": "boolValue", "int64": "intValue", "float64": "doubleValue"}[tag["type"]]
    return {kind: tag["value"]}


def otlp_traces(traces):
    """The traces as OTLP/JSON TracesData: one ResourceSpans per service and trace."""
    resource_spans = []
    for trace in traces:
        for process_id, process in sorted(trace["processes"].items()):
            spans = []
            for span in (s for s in trace["spans"] if s["processID"] == process_id):
                attributes = []
                status = {}
                for tag in span["tags"]:
                    if tag["key"] == "error" and tag["value"] is True:
                        status = {"code": 2}
                    elif tag["key"] == "otel.status_code":
                        status = {"code": "STATUS_CODE_ERROR", "message": "declined for alice@example.com"}
                    elif tag["key"] == "error":
                        attributes.append({"key": "error", "value": {"boolValue": False}})
                    else:
                        attributes.append({"key": tag["key"], "value": otlp_value(tag)})
                spans.append({
                    "traceId": span["traceID"], "spanId": span["spanID"], "name": span["operationName"], "kind": 2,
                    "startTimeUnixNano": str(span["startTime"] * 1000),
                    "endTimeUnixNano": str((span["startTime"] + span["duration"]) * 1000),
                    "attributes": attributes, "status": status,
                })
            resource_spans.append({
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": process["serviceName"]}}]
                             + [{"key": tag["key"], "value": otlp_value(tag)} for tag in process["tags"]]},
                "scopeSpans": [{"scope": {"name": "fixture"}, "spans": spans}],
            })
    return {"result": {"resourceSpans": resource_spans}}


class Jaeger:
    def route(self, path, query, headers, scenario):
        if scenario in FAULT_SCENARIOS:
            return self.fault(path, scenario)
        if scenario == "v3-only":
            return self.v3(path, query)
        if path == "/api/services":
            return envelope(SERVICES, total=len(SERVICES))
        if path.startswith("/api/services/") and path.endswith("/operations"):
            service = path[len("/api/services/"):-len("/operations")]
            names = OPERATIONS.get(service, [])
            return envelope(names, total=len(names))
        if path == "/api/traces":
            return self.search(query)
        if path == "/api/dependencies":
            return envelope([{"parent": "frontend", "child": "checkout", "callCount": 30},
                             {"parent": "checkout", "child": "payments", "callCount": 10}])
        if path.startswith("/api/metrics/"):
            return self.metrics(path, query, scenario)
        return Reply(404, "404 page not found\n", "text/plain; charset=utf-8")

    def v3(self, path, query):
        if path == "/api/v3/services":
            return json_reply({"services": SERVICES})
        if path == "/api/v3/operations":
            service = query.get("service", [""])[0]
            return json_reply({"operations": [{"name": name, "spanKind": "server"} for name in OPERATIONS.get(service, [])]})
        if path == "/api/v3/traces":
            try:
                service = query["query.service_name"][0]
                start = parse_rfc3339_nano(query["query.start_time_min"][0])
                end = parse_rfc3339_nano(query["query.start_time_max"][0])
                limit = int(query.get("query.search_depth", query.get("query.num_traces", ["20"]))[0])
            except (KeyError, ValueError) as problem:
                body = '{"error":{"httpCode":400,"message":"malformed parameter: %s"}}\n' % (problem,)
                return Reply(400, body, "text/plain; charset=utf-8")
            matches = [trace for trace in TRACES
                       if service in {p["serviceName"] for p in trace["processes"].values()}
                       and start <= trace["spans"][0]["startTime"] <= end][:limit]
            if not matches:
                return Reply(404, '{"error":{"httpCode":404,"message":"trace not found"}}\n', "text/plain; charset=utf-8")
            return json_reply(otlp_traces(matches))
        if path in ("/api/services", "/api/traces") or path.startswith("/api/services/"):
            return Reply(404, "404 page not found\n", "text/plain; charset=utf-8")
        if path == "/api/dependencies":
            return envelope([])
        if path.startswith("/api/metrics/"):
            return error(501, "metrics querying is currently disabled")
        return Reply(404, "404 page not found\n", "text/plain; charset=utf-8")

    def search(self, query):
        service = query.get("service", [""])[0]
        if not service:
            return error(400, "parameter 'service' is required")
        try:
            start = int(query.get("start", ["0"])[0])
            end = int(query.get("end", [str(NOW_US)])[0])
            limit = int(query.get("limit", ["100"])[0])
        except ValueError:
            return error(400, "unable to parse param 'start': strconv.ParseInt: parsing: invalid syntax")
        matches = []
        for trace in TRACES:
            names = {process["serviceName"] for process in trace["processes"].values()}
            root_start = trace["spans"][0]["startTime"]
            if service in names and start <= root_start <= end:
                matches.append(trace)
        return envelope(matches[:limit])

    def metrics(self, path, query, scenario):
        if scenario != "spm":
            return error(501, "metrics querying is currently disabled")
        if not query.get("service"):
            return error(400, "please provide at least one service name")
        if path == "/api/metrics/calls":
            return metric_family("service_call_rate", "calls/sec, grouped by service",
                                 lambda service, step: 10.0 + step)
        if path == "/api/metrics/errors":
            return metric_family("service_error_rate", "error rate, computed as a fraction of errors/sec over calls/sec, grouped by service",
                                 lambda service, step: 0.25 if service == "payments" else 0.0)
        if path == "/api/metrics/latencies":
            if not query.get("quantile"):
                return error(400, "please provide a quantile between (0, 1]")
            return metric_family("service_latencies", "0.95th quantile latency, grouped by service",
                                 lambda service, step: 120.0 + step * 10)
        return Reply(404, "404 page not found\n", "text/plain; charset=utf-8")

    def fault(self, path, scenario):
        if scenario == "unauthorized":
            return Reply(401, "missing tenant header\n", "text/plain; charset=utf-8")
        if scenario == "forbidden":
            return Reply(403, "Forbidden\n", "text/plain; charset=utf-8")
        if scenario == "server-error":
            return error(500, "failed to query services: storage backend unavailable")
        if scenario == "html":
            return html_reply()
        normal = envelope(SERVICES, total=len(SERVICES))
        return truncated(normal) if scenario == "truncated" else stalled(normal)


if __name__ == "__main__":
    serve(Jaeger(), __doc__.splitlines()[0])
