#!/usr/bin/env python3
"""Terminate TLS on 127.0.0.1 and relay each connection to a plain-HTTP port on 127.0.0.1.

The upload tests put this in front of an in-process `waka-diag` receiver, which speaks plain
HTTP only, the way a TLS proxy sits in front of it in production. The proxy listens on a free
loopback port, prints `port N` on stdout once it accepts connections, and exits by itself after
--lifetime seconds. It never connects anywhere but 127.0.0.1.
"""

import argparse
import os
import select
import socket
import ssl
import sys
import threading

LOOPBACK = "127.0.0.1"


def relay(client, upstream_port):
    """Copy bytes both ways between one TLS client and a new upstream connection until either side closes."""
    try:
        upstream = socket.create_connection((LOOPBACK, upstream_port), timeout=10)
    except OSError as error:
        print(f"upstream 127.0.0.1:{upstream_port} refused: {error}", file=sys.stderr, flush=True)
        client.close()
        return
    sockets = [client, upstream]
    try:
        while True:
            # SSL sockets can hold decrypted bytes that select() does not see, so check pending() first.
            readable = [client] if client.pending() else select.select(sockets, [], [], 30)[0]
            if not readable:
                break
            for source in readable:
                target = upstream if source is client else client
                data = source.recv(65536)
                if not data:
                    return
                target.sendall(data)
    except (OSError, ssl.SSLError) as error:
        print(f"connection ended: {error}", file=sys.stderr, flush=True)
    finally:
        for sock in sockets:
            try:
                sock.close()
            except OSError:
                pass


def handle(raw, context, upstream_port):
    """Run the TLS handshake off the accept loop, then relay."""
    try:
        client = context.wrap_socket(raw, server_side=True)
    except (OSError, ssl.SSLError) as error:
        print(f"handshake failed: {error}", file=sys.stderr, flush=True)
        raw.close()
        return
    relay(client, upstream_port)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cert", required=True, help="server certificate, PEM")
    parser.add_argument("--key", required=True, help="server private key, PEM")
    parser.add_argument("--upstream-port", type=int, required=True, help="plain-HTTP port on 127.0.0.1")
    parser.add_argument("--client-ca", help="require a client certificate signed by this CA (PEM)")
    parser.add_argument("--lifetime", type=float, default=120, help="seconds until the proxy exits by itself")
    arguments = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(arguments.cert, arguments.key)
    if arguments.client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(arguments.client_ca)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOOPBACK, 0))
    listener.listen(16)
    threading.Timer(arguments.lifetime, lambda: os._exit(0)).start()
    print(f"port {listener.getsockname()[1]}", flush=True)

    while True:
        raw, _ = listener.accept()
        threading.Thread(target=handle, args=(raw, context, arguments.upstream_port), daemon=True).start()


if __name__ == "__main__":
    main()
