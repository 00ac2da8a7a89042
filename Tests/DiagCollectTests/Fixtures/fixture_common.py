"""Shared plumbing for the loopback fixture servers that stand in for Loki, Grafana and Jaeger.

A fixture binds 127.0.0.1 on a free port (HTTPS with --tls-cert and --tls-key), prints `PORT <n>` on its first stdout line, serves
until its lifetime (seconds, at most 300) ends and then exits by itself. `--scenario` picks
either the normal answers or one fault; each component formats faults the way the real server
does. Every request is recorded and listed at GET /__fixture/requests, so tests can check the
parameters and headers a collector sent.
"""
import argparse
import json
import os
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAXIMUM_LIFETIME = 300
FAULT_SCENARIOS = ("unauthorized", "forbidden", "server-error", "html", "truncated", "stall")

STOPPING = threading.Event()
REQUESTS = []
REQUESTS_LOCK = threading.Lock()


class Reply:
    """One HTTP response. `stall_after` sends the headers and that many body bytes, then nothing."""

    def __init__(self, status, body=b"", content_type="application/json", headers=None, stall_after=None):
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.content_type = content_type
        self.headers = headers or {}
        self.stall_after = stall_after


def json_reply(value, status=200, content_type="application/json", pretty=False):
    text = json.dumps(value, indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    return Reply(status, text, content_type)


def html_reply():
    page = "<!doctype html><html><head><title>Sign in</title></head><body><form>login</form></body></html>"
    return Reply(200, page, "text/html; charset=utf-8")


def truncated(reply):
    """Cuts a JSON body in half while announcing the shorter length, as a proxy that gave up would."""
    return Reply(reply.status, reply.body[: max(1, len(reply.body) // 2)], reply.content_type, reply.headers)


def stalled(reply):
    """Announces the full body length, sends 8 bytes and stalls until the fixture exits."""
    return Reply(reply.status, reply.body, reply.content_type, reply.headers, stall_after=8)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    app = None
    scenario = "normal"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        if parsed.path == "/__fixture/requests":
            with REQUESTS_LOCK:
                self.send(json_reply(list(REQUESTS)))
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        with REQUESTS_LOCK:
            REQUESTS.append({"path": parsed.path, "query": query, "headers": headers})
        try:
            reply = self.app.route(parsed.path, query, headers, self.scenario)
        except Exception as error:  # a fixture bug must show up as a 500, not a dropped connection
            reply = Reply(500, "fixture error: %r" % (error,), "text/plain; charset=utf-8")
        self.send(reply)

    def send(self, reply):
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.stall_after is None:
            self.wfile.write(reply.body)
            return
        self.wfile.write(reply.body[: reply.stall_after])
        self.wfile.flush()
        while not STOPPING.wait(0.2):
            pass
        self.close_connection = True


def serve(app, description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scenario", default="normal")
    parser.add_argument("--lifetime", type=float, default=60)
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate")
    parser.add_argument("--tls-key", help="the PEM key of --tls-cert")
    arguments = parser.parse_args()
    lifetime = min(max(arguments.lifetime, 1), MAXIMUM_LIFETIME)

    # The test runner may start children with SIGTERM ignored or blocked; stop on it regardless.
    signal.signal(signal.SIGTERM, lambda number, frame: os._exit(0))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})

    Handler.app = app
    Handler.scenario = arguments.scenario
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if arguments.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
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
    except KeyboardInterrupt:
        pass
    finally:
        STOPPING.set()
    sys.exit(0)
