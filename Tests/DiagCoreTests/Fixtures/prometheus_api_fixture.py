#!/usr/bin/env python3
"""Loopback stand-in for the Prometheus v1 and Alertmanager v2 endpoints that collect reads.

usage: prometheus_api_fixture.py [--lifetime SECONDS]

Binds 127.0.0.1 on a free port, prints `PORT <n>` as its first stdout line, and exits by itself
after its lifetime (at most 300 s). GET /__fixture/requests lists every request received, with
its path and query (each value a list, as urllib.parse.parse_qs gives it).

Responses have the shapes of Prometheus 2.x and Alertmanager 0.25 with little content: empty
range query matrices, two values for any label, an empty target list, and an Alertmanager
status with a short configuration. The point is to record which requests a collector sends.
"""
import argparse
import json
import os
import re
import signal
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAXIMUM_LIFETIME = 300
REQUESTS = []
REQUESTS_LOCK = threading.Lock()

PROMETHEUS_DATA = {
    "/api/v1/status/buildinfo": {"version": "2.42.0", "revision": "fixture", "branch": "HEAD", "goVersion": "go1.20"},
    "/api/v1/status/runtimeinfo": {"storageRetention": "15d", "reloadConfigSuccess": True},
    "/api/v1/status/flags": {"web.enable-lifecycle": "false"},
    "/api/v1/status/config": {"yaml": "global:\n  scrape_interval: 15s\n"},
    "/api/v1/targets": {"activeTargets": [], "droppedTargets": []},
    "/api/v1/rules": {"groups": []},
    "/api/v1/alerts": {"alerts": []},
    "/api/v1/status/tsdb": {"headStats": {"numSeries": 0}, "seriesCountByMetricName": []},
}

ALERTMANAGER_STATUS = {
    "cluster": {"status": "disabled", "peers": []},
    "versionInfo": {"version": "0.25.0"},
    "config": {"original": "route:\n  receiver: local\nreceivers:\n  - name: local\n"},
    "uptime": "2026-01-01T00:00:00Z",
}


def prometheus(data):
    return 200, {"status": "success", "data": data}


def route(path):
    if path in PROMETHEUS_DATA:
        return prometheus(PROMETHEUS_DATA[path])
    if path == "/api/v1/query_range":
        return prometheus({"resultType": "matrix", "result": []})
    if re.fullmatch(r"/api/v1/label/[^/]+/values", path):
        return prometheus(["acme-bank-ng", "zenith-retail"])
    if path == "/api/v2/status":
        return 200, ALERTMANAGER_STATUS
    if path in ("/api/v2/alerts", "/api/v2/alerts/groups", "/api/v2/silences"):
        return 200, []
    return 404, {"status": "error", "errorType": "not_found", "error": "no route for " + path}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        if parsed.path == "/__fixture/requests":
            with REQUESTS_LOCK:
                self.send(200, REQUESTS)
            return
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        with REQUESTS_LOCK:
            REQUESTS.append({"path": parsed.path, "query": query})
        self.send(*route(parsed.path))

    def send(self, status, value):
        body = json.dumps(value, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lifetime", type=int, default=60)
    arguments = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    stopper = threading.Timer(min(arguments.lifetime, MAXIMUM_LIFETIME), lambda: os._exit(0))
    stopper.daemon = True
    stopper.start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
