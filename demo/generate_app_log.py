#!/usr/bin/env python3
"""Write demo/logs/app.log, the demo's application log, from a fixed seed.

Usage: python3 demo/generate_app_log.py [OUT]   (default: demo/logs/app.log beside this file)

DEMO_LOG_START (RFC 3339, e.g. 2026-12-04T20:00:00Z) moves the first line's time; scripts/demo
sets it to shortly before the collection so the errors fall inside the collection window. The
checked-in file uses the fixed default.

The log mixes three line formats, as a service behind several libraries does: plain text,
JSON lines and logfmt. It has 200 lines with about 40 errors of seven kinds and a multi-line
stack trace. The error lines carry tenant IDs, user IDs, emails, IP addresses, phone and card
numbers, tokens and the PLANTED sentinel strings listed in demo/planted-identifiers.txt. All of it is fake. The same seed always gives the same file.
"""

import datetime
import json
import os
import random
import sys

SEED = 20261204
LINE_COUNT = 200
START = datetime.datetime(2026, 11, 20, 8, 15, 0, tzinfo=datetime.timezone.utc)
if os.environ.get("DEMO_LOG_START"):
    START = datetime.datetime.fromisoformat(os.environ["DEMO_LOG_START"].replace("Z", "+00:00"))

TENANTS = ["acme-bank-ng", "zenith-retail"]
USERS = ["usr_8842113", "usr_5520981", "usr_1093377", "usr_7730154"]
EMAILS = ["ops.lead@acme-bank.ng", "amaka.obi@zenith-retail.com", "tunde.bello@acme-bank.ng"]
IPS = ["10.20.30.41", "10.20.30.52", "10.20.30.60", "2001:db8:4a1e:12::7e5:9021"]
SERVICES = ["payments-api", "ledger", "checkout", "auth"]
PATHS = ["/v2/payments", "/v2/accounts/balance", "/v2/checkout/confirm", "/healthz"]


def error_event(rng):
    """Return (service, message, fields) for one error, with identifiers in the text."""
    tenant, user = rng.choice(TENANTS), rng.choice(USERS)
    ip, email = rng.choice(IPS), rng.choice(EMAILS)
    kind = rng.randrange(7)
    if kind == 0:
        card = rng.choice(["4000 0566 5566 5556", "5500005555555559"])
        return ("payments-api",
                f"payment declined for tenant {tenant} user {user}: card {card} "
                f"issuer timeout after {rng.randint(3000, 9000)}ms",
                {"tenant_id": tenant, "user_id": user})
    if kind == 1:
        return ("ledger",
                f"database connection failed: dial tcp {ip}:5432: connect: connection refused "
                "(dsn postgres://waka:S3cr3tPassw0rd@db.acme-bank.ng:5432/waka)",
                {"tenant_id": tenant, "peer": ip})
    if kind == 2:
        return ("auth",
                f"authentication failed for {email} from {ip}: invalid token "
                "tok_PLANTED_a81f3c9e",
                {"tenant_id": tenant, "client_ip": ip})
    if kind == 3:
        return ("checkout",
                f"upstream https://ledger.zenith-retail.internal:8443/v2/accounts/{user} "
                f"returned 503 for tenant {tenant}",
                {"tenant_id": tenant, "user_id": user})
    if kind == 4:
        return ("payments-api",
                "sms delivery failed to +234 809 555 0142: provider rejected api_key "
                "wk_live_PLANTED9d8c7b6a5f4e3d2c",
                {"tenant_id": tenant, "user_email": email})
    if kind == 5:
        return ("auth",
                f"session sess_PLANTED_4f9e2b7c expired for {user} at {ip}; "
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.PLANTEDpayload.c2ln",
                {"tenant_id": tenant, "user_id": user})
    return ("checkout",
            f"rate limit exceeded for tenant {tenant}: {rng.randint(101, 400)} requests/s "
            f"from {ip}, contact {email}",
            {"tenant_id": tenant, "client_ip": ip})


def info_event(rng):
    tenant, user = rng.choice(TENANTS), rng.choice(USERS)
    if rng.random() < 0.3:
        return (rng.choice(SERVICES), "cache refresh completed", {"entries": rng.randint(10, 900)})
    return (rng.choice(SERVICES),
            f"request served {rng.choice(PATHS)} status=200",
            {"tenant_id": tenant, "user_id": user, "duration_ms": rng.randint(3, 240)})


def warn_event(rng):
    tenant = rng.choice(TENANTS)
    return (rng.choice(SERVICES),
            f"slow query on accounts for tenant {tenant}: {rng.randint(800, 2500)}ms",
            {"tenant_id": tenant})


def logfmt_value(value):
    text = str(value)
    if text and all(c.isalnum() or c in "-_.:/@" for c in text):
        return text
    return json.dumps(text)


def format_line(style, timestamp, level, service, message, fields):
    stamp = timestamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{timestamp.microsecond // 1000:03d}Z"
    if style == "json":
        record = {"ts": stamp, "level": level.lower(), "service": service, "msg": message}
        record.update(fields)
        return json.dumps(record, separators=(",", ":"))
    if style == "logfmt":
        pairs = [("ts", stamp), ("level", level.lower()), ("service", service), ("msg", message)]
        pairs += list(fields.items())
        return " ".join(f"{key}={logfmt_value(value)}" for key, value in pairs)
    extras = " ".join(f"{key}={value}" for key, value in fields.items())
    return f"{stamp} {level:<5} [{service}] {message}" + (f" {extras}" if extras else "")


STACK_TRACE = [
    "Traceback (most recent call last):",
    '  File "/srv/payments/worker.py", line 88, in settle',
    "    ledger.post(entry, tenant=\"acme-bank-ng\", owner=\"ops.lead@acme-bank.ng\")",
    '  File "/srv/payments/ledger.py", line 141, in post',
    "    raise LedgerUnavailable(f\"{host} refused connection\")",
    "LedgerUnavailable: 10.20.30.60 refused connection",
]


def generate(rng):
    lines = []
    timestamp = START
    styles = ["plain", "json", "logfmt"]
    while len(lines) < LINE_COUNT:
        timestamp += datetime.timedelta(milliseconds=rng.randint(200, 9000))
        style = rng.choice(styles)
        roll = rng.random()
        if roll < 0.22:
            lines.append(format_line(style, timestamp, "ERROR", *error_event(rng)))
        elif roll < 0.32:
            lines.append(format_line(style, timestamp, "WARN", *warn_event(rng)))
        else:
            lines.append(format_line(style, timestamp, "INFO", *info_event(rng)))
        if len(lines) == 120:
            lines.append(format_line("plain", timestamp, "ERROR", "payments-api",
                                     "settlement worker crashed", {"tenant_id": "acme-bank-ng"}))
            lines.extend(STACK_TRACE)
    return lines


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    out = argv[1] if len(argv) > 1 else os.path.join(here, "logs", "app.log")
    lines = generate(random.Random(SEED))
    with open(out, "w", encoding="utf-8", newline="\n") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} lines to {out}")


if __name__ == "__main__":
    main(sys.argv)
