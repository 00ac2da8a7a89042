import DiagSupport
import Foundation

/// Reduces Grafana API responses to the fields that describe the installation, using allow
/// lists: a field Grafana adds in a later version is dropped until it is reviewed and listed.
/// Passwords, `secureJsonData`, secret-like `jsonData` keys, user names, annotations and
/// generator URLs never reach a document.
enum GrafanaDocuments {
    static func health(_ value: JSONValue) -> JSONValue {
        keep(value, ["database", "version", "commit", "enterpriseCommit"])
    }

    /// Build information, boolean feature toggles, login method switches and OAuth provider
    /// names from `/api/frontend/settings`. URLs (`appUrl`, data source proxies) are left out.
    static func settings(_ value: JSONValue) -> JSONValue {
        let buildInfo = keep(
            value["buildInfo"] ?? [:],
            ["version", "versionString", "commit", "commitShort", "edition", "env", "latestVersion", "hasUpdate", "hideVersion", "buildstamp"])
        var toggles: [String: JSONValue] = [:]
        for (name, enabled) in value["featureToggles"]?.objectValue ?? [:] where enabled.boolValue != nil {
            toggles[name] = enabled
        }
        var authentication: [String: JSONValue] = [:]
        for key in ["anonymousEnabled", "ldapEnabled", "samlEnabled", "authProxyEnabled", "disableLoginForm", "disableUserSignUps", "jwtUrlLogin"] {
            if let flag = value[key]?.boolValue { authentication[key] = .bool(flag) }
        }
        let providers = (value["oauth"]?.objectValue ?? [:]).keys.sorted().map { JSONValue.string($0) }
        authentication["oauthProviders"] = .array(providers)

        let dataSourceTypes = Set((value["datasources"]?.objectValue ?? [:]).values.compactMap { $0["type"]?.stringValue })
        var document: [String: JSONValue] = [
            "buildInfo": buildInfo,
            "featureToggles": .object(toggles),
            "authentication": .object(authentication),
            "dataSourceTypes": .array(dataSourceTypes.sorted().map { .string($0) }),
        ]
        for key in ["unifiedAlertingEnabled", "rbacEnabled", "publicDashboardsEnabled"] {
            if let flag = value[key]?.boolValue { document[key] = .bool(flag) }
        }
        return .object(document)
    }

    /// Data sources with type, access mode, name and URL. The URL loses its user info and query;
    /// its host stays for the redactor to pseudonymize.
    static func dataSources(_ items: [JSONValue]) -> JSONValue {
        let sources: [JSONValue] = items.map { item in
            var entry = keep(item, ["uid", "name", "type", "typeName", "access", "isDefault", "readOnly", "basicAuth", "withCredentials"])
            if case .object(var members) = entry {
                if let url = item["url"]?.stringValue { members["url"] = .string(sanitizedURL(url)) }
                members["jsonData"] = jsonData(item["jsonData"])
                if let fields = item["secureJsonFields"]?.objectValue {
                    members["secureJsonFieldNames"] = .array(fields.keys.sorted().map { .string($0) })
                }
                entry = .object(members)
            }
            return entry
        }
        return ["count": JSONValue(sources.count), "datasources": .array(sources)]
    }

    /// Dashboards and folders from `/api/search`: type, UID, title, tags and folder.
    static func search(_ items: [JSONValue], limit: Int) -> JSONValue {
        let entries = items.map { keep($0, ["type", "uid", "title", "tags", "folderUid", "folderTitle"]) }
        return [
            "folders": JSONValue(items.filter { $0["type"] == "dash-folder" }.count),
            "dashboards": JSONValue(items.filter { $0["type"] == "dash-db" }.count),
            "limit": JSONValue(limit),
            "truncated": .bool(items.count >= limit),
            "items": .array(entries),
        ]
    }

    /// Grafana-managed alert rules: identity, grouping, timing, labels and each query's data
    /// source and expression. Annotations keep only their names, since their text is free-form.
    static func alertRules(_ items: [JSONValue]) -> JSONValue {
        let rules: [JSONValue] = items.map { item in
            var rule = keep(
                item,
                ["uid", "title", "folderUID", "ruleGroup", "condition", "for", "keep_firing_for", "noDataState", "execErrState", "isPaused", "provenance", "labels", "updated"]
            ).objectValue ?? [:]
            rule["annotationNames"] = .array((item["annotations"]?.objectValue ?? [:]).keys.sorted().map { .string($0) })
            rule["queries"] = .array(
                (item["data"]?.arrayValue ?? []).map { query in
                    var entry = keep(query, ["refId", "queryType", "datasourceUid"]).objectValue ?? [:]
                    if let expression = query["model"]?["expr"]?.stringValue ?? query["model"]?["expression"]?.stringValue {
                        entry["expr"] = .string(expression)
                    }
                    if let type = query["model"]?["type"]?.stringValue { entry["expressionType"] = .string(type) }
                    return .object(entry)
                })
            return .object(rule)
        }
        return ["count": JSONValue(rules.count), "rules": .array(rules)]
    }

    /// Alerts of Grafana's embedded Alertmanager: labels, state, times and receiver names.
    static func alerts(_ items: [JSONValue]) -> JSONValue {
        let alerts: [JSONValue] = items.map { item in
            var alert = keep(item, ["labels", "startsAt", "endsAt", "updatedAt"]).objectValue ?? [:]
            alert["state"] = item["status"]?["state"] ?? .null
            alert["silenced"] = .bool(!(item["status"]?["silencedBy"]?.arrayValue ?? []).isEmpty)
            alert["inhibited"] = .bool(!(item["status"]?["inhibitedBy"]?.arrayValue ?? []).isEmpty)
            alert["receivers"] = .array((item["receivers"]?.arrayValue ?? []).compactMap { $0["name"] })
            return .object(alert)
        }
        return ["count": JSONValue(alerts.count), "alerts": .array(alerts)]
    }

    // MARK: Helpers

    private static func keep(_ value: JSONValue, _ keys: [String]) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for key in keys {
            if let member = value[key] { members[key] = member }
        }
        return .object(members)
    }

    /// `jsonData` keys whose names suggest a secret, whatever their value.
    static let secretKeyPattern = #"(?i)(pass|secret|token|key|credential|private|cert|signature|session)"#

    /// String `jsonData` settings kept; other strings may hold URLs, regular expressions or
    /// account names, so only booleans and numbers pass otherwise.
    static let jsonDataStrings: Set<String> = [
        "httpMethod", "timeInterval", "queryTimeout", "authType", "implementation", "prometheusType",
        "prometheusVersion", "cacheLevel", "timeField", "interval", "logLevelField", "esVersion", "version",
    ]

    static func jsonData(_ value: JSONValue?) -> JSONValue {
        var kept: [String: JSONValue] = [:]
        for (key, member) in value?.objectValue ?? [:] {
            let isHeaderName = key.range(of: #"^httpHeaderName[0-9]+$"#, options: .regularExpression) != nil
            if !isHeaderName, key.range(of: secretKeyPattern, options: .regularExpression) != nil { continue }
            switch member {
            case .bool, .int, .double:
                kept[key] = member
            case .string where isHeaderName || jsonDataStrings.contains(key):
                kept[key] = member
            default:
                continue
            }
        }
        return .object(kept)
    }

    /// Drops user info, query and fragment from a URL text; text that is not a URL is replaced.
    static func sanitizedURL(_ text: String) -> String {
        guard !text.isEmpty else { return "" }
        guard let url = URL(string: text), url.scheme != nil else {
            return text.hasPrefix("/") ? String(text.prefix { $0 != "?" && $0 != "#" }) : "<not a URL>"
        }
        return EndpointURL.describe(url)
    }
}
