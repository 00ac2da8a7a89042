#!/usr/bin/env python3
"""Loopback stand-in for the Grafana 11 HTTP API endpoints that waka-diag reads.

Shapes follow Grafana's DTOs: /api/health (pretty-printed, no auth), /api/frontend/settings,
/api/datasources, /api/search, /api/v1/provisioning/alert-rules and the embedded Alertmanager's
/api/alertmanager/grafana/api/v2/alerts. Errors are JSON objects with "message" (and, as in
newer versions, messageId/statusCode/traceID).

Credentials: bearer token glsa_fixtureToken0123456789_abcdef12 (Admin), or basic auth
admin:fixture-admin-password. Scenario "viewer" makes the token a Viewer's: /api/datasources
and the provisioning API return 403. Scenario "database-failing" makes /api/health return 503.
Fields hold made-up secrets that a collector must drop.
"""
import base64

from fixture_common import FAULT_SCENARIOS, Reply, html_reply, json_reply, serve, stalled, truncated

TOKEN = "glsa_fixtureToken0123456789_abcdef12"
BASIC = ("admin", "fixture-admin-password")
SECRET_VALUES = ["legacy-plain-password", "jsondata-password", "sigv4-secret", "rs-secret-key", "loki-user:s3cret",
                 "token=abc123", "UA-123-secret", "loki-reader", "db-user", "sentry-key"]


def problem(status, message, message_id):
    return json_reply({"extra": None, "message": message, "messageId": message_id, "statusCode": status, "traceID": ""}, status=status)


HEALTH = {"database": "ok", "version": "11.2.3", "commit": "3c4a1f9e2b"}

SETTINGS = {
    "appUrl": "https://grafana.example.internal/", "appSubUrl": "", "defaultDatasource": "Prometheus",
    "datasources": {
        "Prometheus": {"id": 1, "uid": "prom-main", "type": "prometheus", "name": "Prometheus",
                       "meta": {"id": "prometheus", "type": "datasource", "name": "Prometheus"},
                       "url": "/api/datasources/proxy/uid/prom-main", "isDefault": True, "access": "proxy",
                       "preload": False, "jsonData": {"httpMethod": "POST"}, "readOnly": False},
        "Loki": {"id": 2, "uid": "loki-main", "type": "loki", "name": "Loki", "url": "/api/datasources/proxy/uid/loki-main",
                 "isDefault": False, "access": "proxy", "jsonData": {}, "readOnly": True},
    },
    "buildInfo": {"hideVersion": False, "version": "11.2.3", "versionString": "Grafana v11.2.3 (3c4a1f9e2b)",
                  "commit": "3c4a1f9e2b6d", "commitShort": "3c4a1f9e2b", "buildstamp": 1726000000, "edition": "Open Source",
                  "latestVersion": "11.3.0", "hasUpdate": True, "env": "production"},
    "unifiedAlertingEnabled": True, "unifiedAlerting": {"minInterval": "10s"},
    "featureToggles": {"exampleToggle": True, "nestedFolders": False, "notABool": "x"},
    "anonymousEnabled": False, "ldapEnabled": True, "samlEnabled": False, "authProxyEnabled": False, "disableLoginForm": False,
    "oauth": {"github": {"name": "GitHub", "icon": "github"}, "generic_oauth": {"name": "Corporate SSO", "icon": "signin"}},
    "rbacEnabled": True, "googleAnalyticsId": "UA-123-secret", "rudderstackWriteKey": "rs-secret-key",
    "sentry": {"enabled": True, "dsn": "https://sentry-key@sentry.example.internal/1"},
}

DATASOURCES = [
    {"id": 2, "uid": "loki-main", "orgId": 1, "name": "Loki", "type": "loki", "typeName": "Loki",
     "typeLogoUrl": "public/app/plugins/datasource/loki/img/loki_icon.svg", "access": "proxy",
     "url": "http://loki-user:s3cret@loki.example.internal:3100/?token=abc123", "user": "db-user", "database": "",
     "basicAuth": True, "basicAuthUser": "loki-reader", "basicAuthPassword": "legacy-plain-password",
     "password": "legacy-plain-password", "isDefault": False,
     "jsonData": {"maxLines": 1000, "httpHeaderName1": "X-Scope-OrgID", "password": "jsondata-password",
                  "sigV4SecretKey": "sigv4-secret", "derivedFields": [{"url": "http://jaeger.example.internal/${__value.raw}"}],
                  "tlsSkipVerify": False},
     "secureJsonFields": {"basicAuthPassword": True, "httpHeaderValue1": True}, "readOnly": True},
    {"id": 1, "uid": "prom-main", "orgId": 1, "name": "Prometheus", "type": "prometheus", "typeName": "Prometheus",
     "typeLogoUrl": "public/app/plugins/datasource/prometheus/img/prometheus_logo.svg", "access": "proxy",
     "url": "http://prometheus.example.internal:9090", "user": "", "database": "", "basicAuth": False,
     "isDefault": True, "jsonData": {"httpMethod": "POST", "timeInterval": "15s"}, "readOnly": False},
]

SEARCH = [
    {"id": 3, "uid": "ops-folder", "orgId": 1, "title": "Operations", "uri": "db/operations",
     "url": "/dashboards/f/ops-folder/operations", "slug": "", "type": "dash-folder", "tags": [], "isStarred": False,
     "sortMeta": 0, "isDeleted": False},
    {"id": 17, "uid": "node-overview", "orgId": 1, "title": "Node overview", "uri": "db/node-overview",
     "url": "/d/node-overview/node-overview", "slug": "", "type": "dash-db", "tags": ["linux", "prod"], "isStarred": False,
     "folderId": 3, "folderUid": "ops-folder", "folderTitle": "Operations", "folderUrl": "/dashboards/f/ops-folder/operations",
     "sortMeta": 0, "isDeleted": False},
]

ALERT_RULES = [
    {"id": 12, "uid": "b7d3c1e2-high-5xx", "orgID": 1, "folderUID": "ops-folder", "ruleGroup": "http", "title": "High 5xx rate",
     "condition": "C",
     "data": [{"refId": "A", "queryType": "", "relativeTimeRange": {"from": 600, "to": 0}, "datasourceUid": "prom-main",
               "model": {"expr": "sum(rate(http_requests_total{code=~\"5..\"}[5m]))", "refId": "A"}},
              {"refId": "C", "queryType": "", "relativeTimeRange": {"from": 0, "to": 0}, "datasourceUid": "__expr__",
               "model": {"type": "threshold", "expression": "A", "refId": "C", "conditions": [{"evaluator": {"type": "gt", "params": [5]}}]}}],
     "updated": "2024-05-01T16:20:00Z", "noDataState": "NoData", "execErrState": "Error", "for": "5m",
     "annotations": {"summary": "5xx above 5/s for alice@example.com"}, "labels": {"team": "web"}, "isPaused": False,
     "provenance": "file"},
]

ALERTS = [
    {"annotations": {"summary": "5xx above 5/s", "__value_string__": "[ var='A' labels={} value=7.2 ]"},
     "endsAt": "2024-05-02T10:04:00.000Z", "fingerprint": "9e8d7c6b5a493827", "receivers": [{"name": "web-oncall"}],
     "startsAt": "2024-05-02T09:55:00.000Z", "status": {"inhibitedBy": [], "silencedBy": ["5c0ffee0-1234-4abc-9def-0123456789ab"], "state": "suppressed"},
     "updatedAt": "2024-05-02T10:00:00.000Z", "generatorURL": "https://grafana.example.internal/alerting/grafana/b7d3c1e2-high-5xx/view",
     "labels": {"__alert_rule_uid__": "b7d3c1e2-high-5xx", "__alert_rule_namespace_uid__": "ops-folder",
                "alertname": "High 5xx rate", "grafana_folder": "Operations", "team": "web"}},
]

ADMIN_ONLY = {
    "/api/datasources": "datasources:read",
    "/api/v1/provisioning/alert-rules": "alert.provisioning:read",
}


def authenticated(headers):
    value = headers.get("authorization", "")
    if value == "Bearer " + TOKEN:
        return True
    if value.startswith("Basic "):
        try:
            user, _, password = base64.b64decode(value[6:]).decode("utf-8").partition(":")
        except ValueError:
            return False
        return (user, password) == BASIC
    return False


class Grafana:
    def route(self, path, query, headers, scenario):
        if path == "/api/health":
            if scenario == "database-failing":
                return json_reply({"database": "failing", "version": "11.2.3", "commit": "3c4a1f9e2b"}, status=503, pretty=True)
            if scenario not in FAULT_SCENARIOS or scenario in ("unauthorized", "forbidden"):
                return json_reply(HEALTH, content_type="application/json; charset=UTF-8", pretty=True)
        if scenario in FAULT_SCENARIOS:
            return self.fault(scenario)
        if not authenticated(headers):
            return problem(401, "Unauthorized", "auth.unauthorized")
        if scenario == "viewer" and path in ADMIN_ONLY:
            return problem(403, "You'll need additional permissions to perform this action. Permissions needed: " + ADMIN_ONLY[path],
                           "accesscontrol.forbidden")
        answers = {
            "/api/frontend/settings": SETTINGS,
            "/api/datasources": DATASOURCES,
            "/api/search": SEARCH,
            "/api/v1/provisioning/alert-rules": ALERT_RULES,
            "/api/alertmanager/grafana/api/v2/alerts": ALERTS,
        }
        if path not in answers:
            return problem(404, "Not found", "api.not-found")
        return json_reply(answers[path])

    def fault(self, scenario):
        if scenario == "unauthorized":
            return problem(401, "Unauthorized", "auth.unauthorized")
        if scenario == "forbidden":
            return problem(403, "You'll need additional permissions to perform this action.", "accesscontrol.forbidden")
        if scenario == "server-error":
            return problem(500, "Internal Server Error", "core.internal")
        if scenario == "html":
            return html_reply()
        normal = json_reply(SEARCH)
        return truncated(normal) if scenario == "truncated" else stalled(normal)


if __name__ == "__main__":
    serve(Grafana(), __doc__.splitlines()[0])
