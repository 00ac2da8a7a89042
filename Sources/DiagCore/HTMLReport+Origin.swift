import DiagSupport
import Foundation

extension HTMLReport {
    /// Builds the report of a bundle being assembled by `collect`, before its manifest exists.
    public init(
        settings: CollectionSettings, sources: [Manifest.SourceSummary], leftOut: [LeftOutFile],
        files: [String: BundleFile], replacements: Int
    ) {
        let origin = Origin(
            bundle: settings.bundleName, site: settings.site, mode: settings.mode.rawValue, region: settings.region,
            created: Timestamp.format(settings.now),
            window: CollectionWindowText(start: settings.window.start, end: settings.window.end),
            replacements: replacements)
        self.init(
            origin: origin, sources: sources.map(\.jsonValue), leftOut: leftOut, files: files.mapValues(\.data))
    }

    /// Builds the report from a finished manifest and the bundle's other files, as `review` does
    /// when it reseals a bundle.
    ///
    /// `manifest.json` itself, if it is among `files`, is not listed. Missing or malformed manifest
    /// fields show as empty, so a report can still be drawn from an older bundle.
    public init(manifest: JSONValue, files: [String: Data]) {
        let created = manifest["created"]?.stringValue ?? ""
        let fallback = Timestamp.parse(created) ?? Date(timeIntervalSince1970: 0)
        let start = manifest["window"]?["start"]?.stringValue.flatMap(Timestamp.parse) ?? fallback
        let end = manifest["window"]?["end"]?.stringValue.flatMap(Timestamp.parse) ?? fallback
        let origin = Origin(
            bundle: manifest["bundle"]?.stringValue ?? "", site: manifest["site"]?.stringValue ?? "",
            mode: manifest["mode"]?.stringValue ?? "", region: manifest["region"]?.stringValue ?? "", created: created,
            window: CollectionWindowText(start: start, end: max(start, end)),
            replacements: Int(manifest["redaction"]?["replacements"]?.intValue ?? 0),
            resealedFrom: manifest["resealed_from"]?["bundle"]?.stringValue)
        let leftOut = (manifest["left_out"]?.arrayValue ?? []).map { item in
            LeftOutFile(
                path: item["path"]?.stringValue ?? "", source: item["source"]?.stringValue ?? "",
                reason: item["reason"]?.stringValue ?? "")
        }
        var listed = files
        listed[BundleLayout.manifest] = nil
        listed[HTMLReport.path] = nil
        self.init(origin: origin, sources: manifest["sources"]?.arrayValue ?? [], leftOut: leftOut, files: listed)
    }
}
