#!/usr/bin/env python3
"""Loopback stand-in for the Loki 3.5 query API that LokiErrorCollector reads.

usage: loki_errors_fixture.py [--scenario NAME] [--lifetime SECONDS] [--require-org-id ID]

Binds 127.0.0.1 on a free port, prints `PORT <n>` as its first stdout line, and exits by itself
after its lifetime (at most 300 s). GET /__fixture/requests lists every request received, with
its path, query and lower-cased headers.

The log data are generated, not stored: one entry every 30 s of Unix time, whose stream labels
and line follow from the entry's position (see ENTRY_KINDS). /loki/api/v1/labels,
/loki/api/v1/label/<name>/values and /loki/api/v1/query_range respond from that data as Loki 3.5
does: a `matrix` for the `sum by (...) (count_over_time(...))` count query, each point counting
the step before it, and `streams` for log queries, `start` inclusive, `end` exclusive, forward
or backward, at most `limit` entries. Errors are text/plain with the message as the body.

Scenarios:
  normal           as above
  bad-query        query_range answers 400 with a LogQL parse error
  server-error     query_range answers 500
  paging-forever   log queries ignore `start` and always return the window's first entries
  stall            every API request gets its headers and 8 body bytes, then nothing
With --require-org-id every API request without that X-Scope-OrgID gets 401 "no org id".
"""
import argparse
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAXIMUM_LIFETIME = 300
STEP_SECONDS = 30
STOPPING = threading.Event()
REQUESTS = []
REQUESTS_LOCK = threading.Lock()

# (stream labels, line) per entry kind; {tenant} alternates between acme and globex.
ENTRY_KINDS = [
    ({"service_name": "checkout", "level": "error", "tenant_id": "{tenant}"},
     'level=error msg="payment declined for tenant {tenant}" order={number}'),
    ({"service_name": "checkout", "level": "error", "tenant_id": "{tenant}"},
     '{{"level":"error","msg":"card vault unreachable","tenant":"{tenant}","attempt":{number}}}'),
    ({"service_name": "auth", "detected_level": "error"},
     "2026-03-01T00:00:00Z ERROR token rejected for {tenant} at edge"),
    ({"service_name": "auth", "level": "info"},
     'level=info msg="retried after error" attempt={number}'),
    ({"service_name": "acme-worker", "detected_level": "fatal"},
     "panic: runtime error: index out of range [{number}] with length 3"),
    ({"service_name": "billing"},
     "java.lang.IllegalStateException: ledger {number} closed"),
]
TENANTS = ("acme", "globex")


def entry(seconds):
    """Returns (labels, line) of the entry at `seconds`, a multiple of STEP_SECONDS."""
    index = seconds // STEP_SECONDS
    labels, line = ENTRY_KINDS[index % len(ENTRY_KINDS)]
    tenant = TENANTS[(index // len(ENTRY_KINDS)) % len(TENANTS)]
    labels = {key: value.format(tenant=tenant) for key, value in labels.items()}
    return labels, line.format(tenant=tenant, number=index % 1000)


def entry_times(start_ns, end_ns):
    """Yields the entry times in seconds within [start_ns, end_ns)."""
    first = -(-start_ns // (STEP_SECONDS * 10**9)) * STEP_SECONDS
    seconds = first
    while seconds * 10**9 < end_ns:
        yield seconds
        seconds += STEP_SECONDS


def text(status, body):
    return status, body.encode(), "text/plain; charset=utf-8"


def success(data):
    body = {"status": "success"}
    if data is not None:
        body["data"] = data
    return 200, json.dumps(body, separators=(",", ":")).encode(), "application/json"


def parse_time(query, name, default):
    values = query.get(name)
    return int(values[0]) if values else default


class Loki:
    def __init__(self, scenario, org_id):
        self.scenario = scenario
        self.org_id = org_id

    def route(self, path, query, headers):
        if self.org_id and headers.get("x-scope-orgid") != self.org_id:
            return text(401, "no org id\n")
        now = int(time.time() * 10**9)
        start = parse_time(query, "start", now - 3600 * 10**9)
        end = parse_time(query, "end", now)
        if path == "/loki/api/v1/labels":
            names = set()
            for seconds in entry_times(start, end):
                names.update(entry(seconds)[0].keys())
            names.discard("detected_level")  # structured metadata, not an indexed label
            return success(sorted(names) or None)
        match = re.fullmatch(r"/loki/api/v1/label/([^/]+)/values", path)
        if match:
            values = {entry(seconds)[0].get(match.group(1)) for seconds in entry_times(start, end)}
            values.discard(None)
            return success(sorted(values) or None)
        if path == "/loki/api/v1/query_range":
            if self.scenario == "bad-query":
                return text(400, "parse error at line 1, col 14: syntax error: unexpected IDENTIFIER\n")
            if self.scenario == "server-error":
                return text(500, "rpc error: code = Unavailable desc = connection refused by the ingester\n")
            logql = query.get("query", [""])[0]
            if logql.startswith("sum by ("):
                return self.counts(logql, start, end, float(query.get("step", ["60"])[0]))
            return self.lines(query, start, end)
        return text(404, "404 page not found\n")

    def counts(self, logql, start, end, step):
        grouping = [name.strip() for name in logql[len("sum by ("):logql.index(")")].split(",")]
        step_ns = int(step * 10**9)
        series = {}
        point = start
        while point <= end:
            for seconds in entry_times(point - step_ns + 1, point + 1):
                labels = entry(seconds)[0]
                metric = {name: labels[name] for name in grouping if name in labels}
                key = json.dumps(metric, sort_keys=True)
                points = series.setdefault(key, {})
                points[point] = points.get(point, 0) + 1
            point += step_ns
        result = [{"metric": json.loads(key), "values": [[time_ns / 1e9, str(count)] for time_ns, count in sorted(points.items())]}
                  for key, points in sorted(series.items())]
        return success({"resultType": "matrix", "result": result, "stats": {"summary": {"execTime": 0.01}}})

    def lines(self, query, start, end):
        limit = int(query.get("limit", ["100"])[0])
        forward = query.get("direction", ["backward"])[0] == "forward"
        if self.scenario == "paging-forever":
            window_start = start
            with REQUESTS_LOCK:
                for request in REQUESTS:
                    if request["path"] == "/loki/api/v1/query_range" and "limit" in request["query"]:
                        window_start = int(request["query"]["start"][0])
                        break
            start = window_start
        times = list(entry_times(start, end))
        times = times[:limit] if forward else list(reversed(times))[:limit]
        streams = {}
        for seconds in times:
            labels, line = entry(seconds)
            key = json.dumps(labels, sort_keys=True)
            streams.setdefault(key, []).append([str(seconds * 10**9), line])
        result = [{"stream": json.loads(key), "values": values} for key, values in streams.items()]
        return success({"resultType": "streams", "result": result, "stats": {"summary": {"execTime": 0.01}}})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    app = None

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        if parsed.path == "/__fixture/requests":
            with REQUESTS_LOCK:
                self.send(200, json.dumps(REQUESTS).encode(), "application/json")
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        with REQUESTS_LOCK:
            REQUESTS.append({"path": parsed.path, "query": query, "headers": headers})
        if self.app.scenario == "stall":
            self.send(200, b'{"status":"success","data":[]}', "application/json", stall_after=8)
            return
        try:
            status, body, content_type = self.app.route(parsed.path, query, headers)
        except Exception as error:  # a fixture bug must show up as a 500, not a dropped connection
            status, body, content_type = text(500, "fixture error: %r" % (error,))
        self.send(status, body, content_type)

    def send(self, status, body, content_type, stall_after=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if content_type.startswith("text/plain"):
            self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if stall_after is None:
            self.wfile.write(body)
            return
        self.wfile.write(body[:stall_after])
        self.wfile.flush()
        while not STOPPING.wait(0.2):
            pass
        self.close_connection = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="normal")
    parser.add_argument("--lifetime", type=float, default=60)
    parser.add_argument("--require-org-id")
    arguments = parser.parse_args()
    lifetime = min(max(arguments.lifetime, 1), MAXIMUM_LIFETIME)

    # The test runner may start children with SIGTERM ignored or blocked; stop on it regardless.
    signal.signal(signal.SIGTERM, lambda number, frame: os._exit(0))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})

    Handler.app = Loki(arguments.scenario, arguments.require_org_id)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)

    def stop():
        STOPPING.set()
        time.sleep(0.3)
        os._exit(0)

    timer = threading.Timer(lifetime, stop)
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        STOPPING.set()
    sys.exit(0)


if __name__ == "__main__":
    main()
