#!/usr/bin/env python3
"""Small helpers that scripts/stack and scripts/demo call for work that is awkward in bash.

Every network call here goes to a URL the caller passes, and the callers pass only
127.0.0.1 addresses of processes they started. Uses only the standard library, so it runs
on a bare python3 before any package is installed.

Subcommands:
  free-ports N                   print N distinct free TCP ports on 127.0.0.1, one a line
  render TEMPLATE OUT KEY=VALUE  copy TEMPLATE to OUT, replacing each @KEY@ with VALUE
  wait-http URL PID TIMEOUT      wait until URL returns HTTP 200; fail when PID exits or time runs out
  add-silence AM_URL ALERTNAME   create the demo silence and print its id
  write-state STATE_DIR ...      write STATE_DIR/stack.json (see write_state for the arguments)
  progress PROM_URL NOTIFY_FILE  print one line: alerts firing and pending, notifications received
  exec COMMAND [ARGUMENT...]     run COMMAND in this process with a clean start (see clean_exec)
"""

import datetime
import json
import os
import re
import signal
import socket
import sys
import time
import urllib.error
import urllib.request


def free_ports(count):
    """Print `count` distinct ports that were free on 127.0.0.1 a moment ago.

    All sockets stay open until every port is chosen, so the ports differ from each other.
    Another process can still take a port before the caller binds it; scripts/stack retries
    with new ports when a server reports the address in use.
    """
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        for sock in sockets:
            print(sock.getsockname()[1])
    finally:
        for sock in sockets:
            sock.close()


def render(template_path, out_path, pairs):
    """Write `template_path` to `out_path` with every @KEY@ replaced; fail on a key left over."""
    with open(template_path, encoding="utf-8") as handle:
        text = handle.read()
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator:
            raise SystemExit(f"render: invalid substitution {pair!r}; expected KEY=VALUE")
        text = text.replace(f"@{key}@", value)
    leftover = re.search(r"@[A-Z_]+@", text)
    if leftover:
        raise SystemExit(
            f"render: {template_path} still has the placeholder {leftover.group(0)}; "
            "pass a value for it"
        )
    with open(out_path, "w", encoding="utf-8") as handle:
        handle.write(text)


def process_alive(pid):
    """Return whether `pid` is running, counting a zombie as exited."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return fields[0] != "Z"
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return False


def wait_http(url, pid, timeout_seconds):
    """Poll `url` until it returns HTTP 200; exit 1 if `pid` exits or the timeout passes."""
    deadline = time.monotonic() + float(timeout_seconds)
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if not process_alive(int(pid)):
            print(f"process {pid} exited before {url} was ready", file=sys.stderr)
            sys.exit(1)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            last_error = f"HTTP {error.code}"
        except (urllib.error.URLError, OSError) as error:
            last_error = str(getattr(error, "reason", error))
        time.sleep(0.25)
    print(f"{url} not ready after {timeout_seconds} s (last error: {last_error})", file=sys.stderr)
    sys.exit(1)


def add_silence(alertmanager_url, alertname):
    """Create a two-hour silence for `alertname`, made by an email address, and print its id.

    The comment names a tenant and an IP address on purpose: the collector must redact both.
    """
    now = datetime.datetime.now(datetime.timezone.utc)
    body = {
        "matchers": [
            {"name": "alertname", "value": alertname, "isRegex": False, "isEqual": True}
        ],
        "startsAt": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "endsAt": (now + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "createdBy": "sre.oncall@zenith-retail.com",
        "comment": "Disk swap on 10.20.30.41 for tenant zenith-retail, change CHG-20931; "
        "call +234 809 555 0142 if it pages",
    }
    request = urllib.request.Request(
        alertmanager_url.rstrip("/") + "/api/v2/silences",
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    last_error = None
    for _ in range(20):
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                answer = json.load(response)
            print(answer["silenceID"])
            return
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace")
            last_error = f"HTTP {error.code}: {detail}"
        except (urllib.error.URLError, OSError, KeyError, ValueError) as error:
            last_error = str(error)
        time.sleep(0.5)
    print(f"creating the silence at {alertmanager_url} failed: {last_error}", file=sys.stderr)
    sys.exit(1)


def write_state(state_dir, repo_dir, ports, pids, silence_id):
    """Write STATE_DIR/stack.json, the file tests and scripts/demo read to find the stack."""
    names = ["prometheus", "alertmanager", "node_exporter", "webhook"]
    urls = {name: f"http://127.0.0.1:{port}" for name, port in zip(names, ports)}
    state = dict(urls)
    state["pids"] = {name: int(pid) for name, pid in zip(names, pids)}
    state["ports"] = {name: int(port) for name, port in zip(names, ports)}
    state["config_dir"] = os.path.join(repo_dir, "demo", "configs")
    state["logs_dir"] = os.path.join(repo_dir, "demo", "logs")
    state["planted_identifiers"] = os.path.join(repo_dir, "demo", "planted-identifiers.txt")
    state["state_dir"] = state_dir
    state["process_logs_dir"] = os.path.join(state_dir, "logs")
    state["notifications_file"] = os.path.join(state_dir, "webhook", "notifications.jsonl")
    state["silence_id"] = silence_id
    state["started_at"] = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    path = os.path.join(state_dir, "stack.json")
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(temporary, path)


def progress(prometheus_url, notifications_file):
    """Print how many alerts are firing and pending, and how many notifications the webhook stored."""
    url = prometheus_url.rstrip("/") + "/api/v1/query?query=ALERTS"
    firing = pending = 0
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            for series in json.load(response)["data"]["result"]:
                state = series["metric"].get("alertstate")
                firing += state == "firing"
                pending += state == "pending"
        alerts = f"{firing} alerts firing, {pending} pending"
    except (urllib.error.URLError, OSError, KeyError, ValueError) as error:
        alerts = f"alert query failed ({error})"
    try:
        with open(notifications_file, "rb") as handle:
            received = sum(1 for _ in handle)
    except FileNotFoundError:
        received = 0
    print(f"{alerts}, {received} webhook notifications received")


def clean_exec(command):
    """Replace this process with `command` after undoing what the caller's caller left behind.

    scripts/stack starts its servers through this so that they behave the same whoever runs
    the script. It closes every descriptor above 2: Foundation's Process on Linux learns that
    a child exited when a socket it passed to the child closes, so a server holding that socket
    would keep `scripts/stack start` running in the caller's eyes. It also clears the blocked
    signal mask and resets SIGTERM to its default action, because a process started from a
    Swift test inherits a mask that blocks SIGTERM and would then ignore `scripts/stack stop`.
    The PID stays the same, so the one recorded by the caller is the server's.
    """
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    os.execvp(command[0], command)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    command, arguments = argv[1], argv[2:]
    if command == "free-ports" and len(arguments) == 1:
        free_ports(int(arguments[0]))
    elif command == "render" and len(arguments) >= 2:
        render(arguments[0], arguments[1], arguments[2:])
    elif command == "wait-http" and len(arguments) == 3:
        wait_http(*arguments)
    elif command == "add-silence" and len(arguments) == 2:
        add_silence(*arguments)
    elif command == "write-state" and len(arguments) == 11:
        state_dir, repo_dir = arguments[0], arguments[1]
        write_state(state_dir, repo_dir, arguments[2:6], arguments[6:10], arguments[10])
    elif command == "progress" and len(arguments) == 2:
        progress(*arguments)
    elif command == "exec" and arguments:
        clean_exec(arguments)
    else:
        raise SystemExit(f"stackctl: invalid arguments {argv[1:]!r}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv)
