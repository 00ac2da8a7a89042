#!/usr/bin/env python3
"""A loopback HTTP server that misbehaves on purpose, for collect's failure tests.

usage: fault_server.py MODE PORT_FILE

MODE is one of:
  hang       accept connections and never answer
  malformed  answer every request with HTTP 200 and truncated JSON
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


def write_port(port_file, port):
    temporary = port_file + ".tmp"
    with open(temporary, "w") as handle:
        handle.write(str(port))
    os.replace(temporary, port_file)


if __name__ == "__main__":
    mode, port_file = sys.argv[1], sys.argv[2]
    {"hang": serve_hang, "malformed": serve_malformed}[mode](port_file)
