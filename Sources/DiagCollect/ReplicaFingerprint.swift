import DiagSupport
import Foundation

/// The version and parsed configuration of one collected replica, found in its documents by
/// the collector's document names.
struct ReplicaFingerprint {
    var version: String?
    var configuration: JSONValue?

    init(_ result: SourceResult) {
        for document in result.documents {
            let file = (document.path as NSString).lastPathComponent
            switch (result.kind, file, document.content) {
            case ("prometheus", "buildinfo.json", .json(let value)), ("loki", "buildinfo.json", .json(let value)):
                version = value["version"]?.stringValue
            case ("alertmanager", "status.json", .json(let value)):
                version = value["versionInfo"]?["version"]?.stringValue
            case ("grafana", "health.json", .json(let value)):
                version = value["version"]?.stringValue
            case ("grafana", "settings.json", .json(let value)):
                // Grafana has no configuration endpoint for non-admins; feature toggles and
                // login switches stand in for it.
                configuration = ["featureToggles": value["featureToggles"] ?? [:], "authentication": value["authentication"] ?? [:]]
            case (_, _, .yaml(let text)) where document.path.hasPrefix("config/"):
                configuration = try? YAMLDocument.parse(text).jsonValue()
            default:
                continue
            }
        }
    }
}

/// Lists the key paths where two JSON values differ, such as `global.scrape_interval` or
/// `scrape_configs[1]`, down to a fixed depth.
enum JSONDifference {
    /// The depth below which a difference is reported at the deepest path reached.
    static let maximumDepth = 6

    static func paths(_ first: JSONValue, _ second: JSONValue) -> Set<String> {
        var found: Set<String> = []
        walk(first, second, path: "", depth: 0, into: &found)
        return found
    }

    private static func walk(_ first: JSONValue, _ second: JSONValue, path: String, depth: Int, into found: inout Set<String>) {
        guard first != second else { return }
        guard depth < maximumDepth else {
            found.insert(path.isEmpty ? "(root)" : path)
            return
        }
        switch (first, second) {
        case (.object(let left), .object(let right)):
            for key in Set(left.keys).union(right.keys) {
                let child = path.isEmpty ? key : "\(path).\(key)"
                walk(left[key] ?? .null, right[key] ?? .null, path: child, depth: depth + 1, into: &found)
            }
        case (.array(let left), .array(let right)):
            for index in 0..<max(left.count, right.count) {
                let child = "\(path)[\(index)]"
                walk(index < left.count ? left[index] : .null, index < right.count ? right[index] : .null, path: child, depth: depth + 1, into: &found)
            }
        default:
            found.insert(path.isEmpty ? "(root)" : path)
        }
    }
}
