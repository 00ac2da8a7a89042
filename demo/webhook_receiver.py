#!/usr/bin/env python3
"""Local stand-in for a paging service: stores every Alertmanager notification in a file.

Usage: webhook_receiver.py PORT NOTIFICATIONS_FILE

Listens on 127.0.0.1:PORT only. Each POST body is appended to NOTIFICATIONS_FILE as one
JSON line, {"received_at": ..., "path": ..., "body": <parsed JSON, or the text if it is not
JSON>}. Payloads carry tenant IDs and emails from the demo alerts, so nothing here writes
them to the terminal: the server logs only a count per request. GET on any path returns
{"received": N} and serves as the readiness check.
"""

import datetime
import http.server
import json
import sys
import threading

MAX_BODY_BYTES = 4 * 1024 * 1024


class NotificationStore:
    """Append-only JSON-lines file with a count, shared by the server's threads."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.count = 0

    def append(self, request_path, body):
        try:
            parsed = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            parsed = body.decode("utf-8", "replace")
        record = {
            "received_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "path": request_path,
            "body": parsed,
        }
        line = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
        with self.lock:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line)
            self.count += 1
            return self.count


class WebhookHandler(http.server.BaseHTTPRequestHandler):
    store = None

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY_BYTES:
            self.send_error(413, "body larger than 4 MiB")
            return
        number = self.store.append(self.path, self.rfile.read(length))
        sys.stderr.write(f"stored notification {number} ({length} bytes)\n")
        self.respond({"stored": number})

    def do_GET(self):
        self.respond({"received": self.store.count})

    def respond(self, payload):
        data = json.dumps(payload).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        """Drop the default access log, which would print request paths to the terminal."""


def main(argv):
    if len(argv) != 3:
        raise SystemExit(__doc__)
    port, path = int(argv[1]), argv[2]
    WebhookHandler.store = NotificationStore(path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), WebhookHandler)
    sys.stderr.write(f"webhook receiver listening on 127.0.0.1:{port}, storing to {path}\n")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv)
