import DiagRedaction
import DiagSupport
import Foundation

extension Redactor: DocumentRedacting {
    public var reportJSON: JSONValue { report.jsonValue() }

    public func findLeaks(in files: [BundleFile]) -> [(path: String, rule: String)] {
        var documents: [String: Data] = [:]
        for file in files { documents[file.path] = file.data }
        let hits: [LeakHit] = findLeaks(in: documents)
        return hits.map { ($0.file, $0.ruleID ?? "unknown") }
    }
}
