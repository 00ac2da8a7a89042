import DiagRedaction
import DiagSupport
import Foundation

extension Redactor: DocumentRedacting {
    public func reportJSON(adding extra: [String: [String: Int]]) -> JSONValue {
        var combined = report
        for (rule, files) in extra {
            for (file, count) in files where count > 0 { combined.add(rule: rule, file: file, count: count) }
        }
        return combined.jsonValue()
    }

    public func makeKnownValueSweep() -> @Sendable (Data, String) -> (Data, [String: Int]) {
        let sweep = KnownValueSweep(redactor: self)
        return { data, path in sweep.apply(to: data, xml: Redactor.isXML(file: path, data: data)) }
    }

    public func findLeaks(in files: [BundleFile]) -> [(path: String, rule: String)] {
        var documents: [String: Data] = [:]
        for file in files { documents[file.path] = file.data }
        // Values that are key names are not swept, so they are not looked for either.
        let hits = LeakScanner.scan(documents: documents, for: KnownValueSweep.identifyingValues(sweepableReplacements))
        return hits.map { ($0.file, $0.ruleID ?? "unknown") }
    }
}
