#!/usr/bin/env python3
"""Loopback stand-in for the Loki 3.5 status endpoints: /ready, /loki/api/v1/status/buildinfo, /config.

As in Loki: /ready returns 200 "ready" or 503 with a reason; buildinfo is a bare JSON object;
/config is YAML as text/plain with flagext.Secret fields printed as '********' (quoted by
the YAML encoder, since a bare * starts an alias); errors are
text/plain (X-Content-Type-Options: nosniff) with the message as body.

Scenarios: normal; multi-tenant (the API requires X-Scope-OrgID, else 401 "no org id"); not-ready
(503 from /ready); the faults of fixture_common.FAULT_SCENARIOS, where "truncated" cuts only the
JSON buildinfo.
"""
from fixture_common import FAULT_SCENARIOS, Reply, html_reply, json_reply, serve, stalled, truncated

BUILDINFO = {"version": "3.5.1", "revision": "a1b2c3d4", "branch": "release-3.5.x", "buildUser": "root@builder",
             "buildDate": "2025-05-10T08:00:00Z", "goVersion": "go1.24.2"}

CONFIG = """target: all
auth_enabled: true
server:
  http_listen_port: 3100
  grpc_listen_port: 9095
common:
  path_prefix: /var/lib/loki
  replication_factor: 1
  storage:
    s3:
      endpoint: s3.example.internal:9000
      bucketnames: loki-chunks
      access_key_id: AKIAFIXTURE0123
      secret_access_key: '********'
limits_config:
  max_entries_limit_per_query: 5000
  max_query_series: 500
  query_timeout: 1m
"""


def text(status, body):
    return Reply(status, body, "text/plain; charset=utf-8", {"X-Content-Type-Options": "nosniff"})


class Loki:
    def route(self, path, query, headers, scenario):
        if scenario in FAULT_SCENARIOS and scenario != "truncated":
            return self.fault(path, scenario)
        if path == "/ready":
            if scenario == "not-ready":
                return text(503, "Ingester not ready: waiting for 15s after being ready\n")
            return text(200, "ready\n")
        if path == "/config":
            return Reply(200, CONFIG, "text/plain; charset=utf-8")
        if path.startswith("/loki/api/v1/"):
            if scenario == "multi-tenant" and not headers.get("x-scope-orgid"):
                return text(401, "no org id\n")
            if path == "/loki/api/v1/status/buildinfo":
                reply = json_reply(BUILDINFO)
                return truncated(reply) if scenario == "truncated" else reply
        return text(404, "404 page not found\n")

    def fault(self, path, scenario):
        if scenario == "unauthorized":
            return text(401, "no org id\n")
        if scenario == "forbidden":
            return text(403, "Forbidden\n")
        if scenario == "server-error":
            return text(500, "rpc error: code = Unavailable desc = connection refused by the ingester\n")
        if scenario == "html":
            return html_reply()
        return stalled(json_reply(BUILDINFO))


if __name__ == "__main__":
    serve(Loki(), __doc__.splitlines()[0])
