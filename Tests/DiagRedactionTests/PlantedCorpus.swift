/// Documents shaped like what waka-diag collects from the demo stack, with identifying values
/// planted in every place the redactor must find them.
enum PlantedCorpus {
    static let prometheusConfig = """
        # Prometheus configuration, maintained by ops-lead@acme-corp.com
        global:
          scrape_interval: 15s
          evaluation_interval: 30s
          external_labels:
            cluster: prod-eu
            tenant_id: acme-corp   # billing contact +234 803 123 4567
        alerting:
          alertmanagers:
            - static_configs:
                - targets: ['127.0.0.1:9093', 'alertmanager.acme-corp.internal:9093']
        rule_files:
          - /etc/prometheus/rules/*.yml
        scrape_configs:
          - job_name: node
            scrape_interval: 30s
            static_configs:
              - targets: ['localhost:9100', '10.20.30.40:9100', 'web-01:9100', '[2001:db8:4:2::17]:9100']
                labels:
                  tenant_id: acme-corp
                  user_id: "u-48213"
          - job_name: api
            metrics_path: /metrics
            scheme: https
            basic_auth:
              username: scraper-bot
              password: "Sup3r-S3cret!"
            authorization:
              type: Bearer
              credentials: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ
            static_configs:
              - targets: ['api.acme-corp.com:443']
        remote_write:
          - url: https://writer:pA55w0rd-77@mimir.acme-corp.com/api/v1/push
            headers:
              X-Scope-OrgID: acme-corp

        """

    static let alertmanagerConfig = """
        global:
          resolve_timeout: 5m
          slack_api_url: 'https://hooks.slack.com/services/T0ACME000/B0ACME000/AbCdEfGhIjKlMnOpQrStUvWx'
          smtp_smarthost: 'smtp.acme-corp.com:587'
          smtp_from: 'alertmanager@acme-corp.com'
          smtp_auth_username: 'alerts@acme-corp.com'
          smtp_auth_password: 'mail-pass-8812'
        route:
          receiver: team-pager
          group_by: [alertname, tenant_id]
          group_wait: 30s
          repeat_interval: 4h
          routes:
            - matchers: ['tenant_id="acme-corp"', 'severity="critical"']
              receiver: team-pager
        receivers:
          - name: team-pager
            pagerduty_configs:
              - routing_key: 0123456789abcdef0123456789abcdef
                http_config:
                  bearer_token: pd-bearer-7781aa
            email_configs:
              - to: 'oncall@acme-corp.com'
            webhook_configs:
              - url: 'http://127.0.0.1:5001/hook'
              - url: 'https://hooks.partner-alerts.io/webhooks/T9x8y7z6/secret-path-1234'
                http_config:
                  basic_auth:
                    username: hookuser
                    password: hook-pass-9931

        """

    static let rules = """
        groups:
          - name: tenant-slo
            rules:
              - alert: HighErrorRate
                expr: rate(http_requests_total{tenant_id="acme-corp",code=~"5.."}[5m]) > 0
                for: 10m
                labels:
                  severity: critical
                  tenant_id: acme-corp
                annotations:
                  summary: "High error rate on 10.20.30.41 for user u-48213"
                  description: |
                    Error rate above threshold on web-01.acme-corp.internal (10.20.30.41).
                    Contact jane.doe@acme-corp.com or +234 803 123 4567.
                  runbook_url: https://wiki.acme-corp.com/runbooks/errors?owner=jane.doe%40acme-corp.com
              - alert: UserLatency
                expr: histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket{user_id="u-48213"}[5m]))) > 2
                for: 5m

        """

    static let alertsResponse = """
        [
          {
            "labels": {"alertname": "HighErrorRate", "tenant_id": "acme-corp", "user_id": "u-48213",
                       "instance": "10.20.30.41:9100", "host": "web-01", "job": "node", "severity": "critical"},
            "annotations": {"summary": "High error rate for tenant acme-corp",
                            "description": "Host web-01 (fe80::1ff:fe23:4567:890a%eth0) paged jane.doe@acme-corp.com"},
            "startsAt": "2026-12-04T20:52:15Z",
            "endsAt": "2026-12-04T21:52:15Z",
            "generatorURL": "http://prometheus.acme-corp.internal:9090/graph?g0.expr=rate%28http_requests_total%7Btenant_id%3D%22acme-corp%22%7D%5B5m%5D%29+%3E+0&g0.tab=1",
            "fingerprint": "4bf92f3577b34da6",
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
            "receivers": [{"name": "team-pager"}]
          }
        ]
        """

    static let logLines = """
        ts=2026-12-04T20:52:15Z level=error caller=notify.go:732 component=dispatcher msg="Notify for alerts failed" tenant_id=acme-corp user_id=u-48213 err="Post \\"https://hooks.slack.com/services/T0ACME000/B0ACME000/AbCdEfGhIjKlMnOpQrStUvWx\\": context deadline exceeded"
        ts=2026-12-04T20:52:16Z level=warn caller=scrape.go:1351 msg="Scrape failed" target=http://10.20.30.40:9100/metrics err="dial tcp 10.20.30.40:9100: connect: connection refused" duration=1.5s
        ts=2026-12-04T20:52:17Z level=info msg="request" method=GET path=/api/v1/query remote_addr=192.168.1.17:53422 status=401 Authorization="Bearer tok-91aa77bb55" user=jane.doe@acme-corp.com
        ts=2026-12-04T20:52:18Z level=debug msg="card check" card=4111111111111111 phone=08031234567 mac=00:1a:2b:3c:4d:5e ip6=[2001:db8:4:2::99]:9094
        ts=2026-12-04T20:52:19Z level=info msg="Server is ready to receive web requests." version=2.42.0 uptime=1733340000

        """

    /// Every identifying value planted above.
    static let plantedValues = [
        "ops-lead@acme-corp.com", "acme-corp", "+234 803 123 4567", "alertmanager.acme-corp.internal",
        "10.20.30.40", "web-01", "2001:db8:4:2::17", "u-48213", "scraper-bot", "Sup3r-S3cret!",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ", "api.acme-corp.com",
        "pA55w0rd-77", "mimir.acme-corp.com", "T0ACME000", "AbCdEfGhIjKlMnOpQrStUvWx", "smtp.acme-corp.com",
        "alertmanager@acme-corp.com", "alerts@acme-corp.com", "mail-pass-8812", "0123456789abcdef0123456789abcdef",
        "pd-bearer-7781aa", "oncall@acme-corp.com", "hooks.partner-alerts.io", "secret-path-1234", "hookuser",
        "hook-pass-9931", "10.20.30.41", "web-01.acme-corp.internal", "jane.doe@acme-corp.com",
        "wiki.acme-corp.com", "jane.doe%40acme-corp.com", "fe80::1ff:fe23:4567:890a", "prometheus.acme-corp.internal",
        "192.168.1.17", "tok-91aa77bb55", "4111111111111111", "08031234567", "00:1a:2b:3c:4d:5e", "2001:db8:4:2::99",
    ]

    /// Diagnostic text that must survive: metric names, label names, durations, config keys,
    /// PromQL functions, status codes, versions and constant words of messages.
    static let keptText = [
        "scrape_interval: 15s", "evaluation_interval", "external_labels", "job_name: node", "localhost:9100",
        "127.0.0.1:9093", "rule_files", "metrics_path: /metrics", "basic_auth", "remote_write", "resolve_timeout: 5m",
        "group_wait: 30s", "repeat_interval: 4h", "pagerduty_configs", "routing_key", "bearer_token", "webhook_configs",
        "http://127.0.0.1:5001/hook", "http_requests_total", "tenant_id", "user_id", "rate(", "[5m]", "histogram_quantile",
        "request_duration_seconds_bucket", "for: 10m", "severity", "HighErrorRate", "alertname",
        "2026-12-04T20:52:15Z", "status=401", "version=2.42.0", "uptime=1733340000", "duration=1.5s",
        "connection refused", "context deadline exceeded", "Notify for alerts failed", "hooks.slack.com",
    ]
}
