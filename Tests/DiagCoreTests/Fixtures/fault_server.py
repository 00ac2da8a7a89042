#!/usr/bin/env python3
"""A loopback HTTP server that misbehaves on purpose, for collect's failure tests.

usage: fault_server.py MODE PORT_FILE

MODE is one of:
  hang          accept connections and never answer
  malformed     answer every request with HTTP 200 and truncated JSON
  stall         send headers announcing 4096 bytes, five bytes of body, then nothing
  http-500      respond 500 with a short text body
  http-401      respond 401 with WWW-Authenticate: Basic
  http-403      respond 403 with an empty body
  redirect-loop respond 307 to /again, forever
  html          respond 200 with a sign-in page as text/html
  invalid-utf8  respond 200 with a JSON-looking body containing bytes FF FE
  too-large     announce a 64 MiB body, send a few bytes and close
It binds 127.0.0.1 on a free port, writes the port to PORT_FILE, and exits by itself after
120 seconds so that a test that dies cannot leave it running.
"""
import http.server
import os
import socket
import sys
import threading
import time

LIFETIME_SECONDS = 120


def serve_hang(port_file):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    write_port(port_file, listener.getsockname()[1])
    held = []
    listener.settimeout(1.0)
    deadline = time.monotonic() + LIFETIME_SECONDS
    while time.monotonic() < deadline:
        try:
            connection, _ = listener.accept()
            held.append(connection)
        except socket.timeout:
            continue


class MalformedHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"status":"success","data":{"resultType":"vector","result":[{"metric":'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def serve_malformed(port_file):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MalformedHandler)
    write_port(port_file, server.server_address[1])
    threading.Timer(LIFETIME_SECONDS, server.shutdown).start()
    server.serve_forever()


# mode: (status, extra headers, body, announced length or None, stall after the body)
REPLIES = {
    "stall": (200, {"Content-Type": "application/json"}, b'{"sta', 4096, True),
    "http-500": (500, {"Content-Type": "text/plain"}, b"boom\n", None, False),
    "http-401": (401, {"WWW-Authenticate": 'Basic realm="fixture"'}, b"Unauthorized\n", None, False),
    "http-403": (403, {}, b"", None, False),
    "redirect-loop": (307, {"Location": "/again"}, b"", None, False),
    "html": (200, {"Content-Type": "text/html"}, b"<html><body>Sign in</body></html>", None, False),
    "invalid-utf8": (200, {"Content-Type": "application/json"}, b'{"\xff\xfe"}', None, False),
    "too-large": (200, {"Content-Type": "application/json"}, b'{"status":"success","data":"', 64 * 1024 * 1024, False),
}


def reply_handler(mode):
    status, headers, body, announced, stall = REPLIES[mode]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(announced if announced is not None else len(body)))
            if announced is not None and not stall:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            if stall:
                time.sleep(LIFETIME_SECONDS)
            elif announced is not None:
                self.close_connection = True

        do_POST = do_GET

        def log_message(self, *args):
            pass

    return Handler


def serve_reply(mode, port_file):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), reply_handler(mode))
    server.daemon_threads = True
    write_port(port_file, server.server_address[1])
    threading.Timer(LIFETIME_SECONDS, lambda: os._exit(0)).start()
    server.serve_forever()


def write_port(port_file, port):
    temporary = port_file + ".tmp"
    with open(temporary, "w") as handle:
        handle.write(str(port))
    os.replace(temporary, port_file)


if __name__ == "__main__":
    mode, port_file = sys.argv[1], sys.argv[2]
    if mode in REPLIES:
        serve_reply(mode, port_file)
    else:
        {"hang": serve_hang, "malformed": serve_malformed}[mode](port_file)
