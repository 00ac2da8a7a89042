import DiagRedaction
import DiagSupport
import Foundation

extension BundleRewriter {
    /// The base ruleset that a review applied again under its own layers.
    public struct ReappliedRuleset: Sendable, Equatable {
        public var id: String
        public var file: URL
        /// SHA-256 of the ruleset file, as `collect` records it in the manifest's `ruleset.sha256`.
        public var sha256: String
        /// True when `sha256` equals the manifest's `ruleset.sha256`, so the same file collected the bundle.
        public var matchesCollection: Bool
        /// Entries of the site's pseudonym map, whose pseudonyms the rules left as they were.
        public var rememberedPseudonyms: Int

        public var jsonValue: JSONValue {
            [
                "id": .string(id), "file": .string(file.path), "sha256": .string(sha256),
                "matches_collection": .bool(matchesCollection), "remembered_pseudonyms": JSONValue(rememberedPseudonyms),
            ]
        }
    }
}

extension BundleRewriter.Rewrite {
    /// Loads the base ruleset with `review` on top, and the site's pseudonym map, for a full
    /// re-redaction. Returns nil when no base ruleset is applied again: `request.rules` is nil,
    /// or the bundle has fresh pseudonyms, whose map was never saved.
    ///
    /// The map keeps the bundle's pseudonyms as they are. The base rules match their own output
    /// (an IPv4 pseudonym is an IPv4 address), so without the map they would replace each
    /// pseudonym by a pseudonym of it, which no longer matches the site's other bundles.
    mutating func baseRuleset(for request: BundleRewriter.Request, review: Ruleset) throws -> (ruleset: Ruleset, map: PseudonymMap)? {
        guard let rulesURL = request.rules, !freshPseudonyms else { return nil }
        guard let mapURL = request.pseudonymMap, FileManager.default.fileExists(atPath: mapURL.path) else {
            let path = request.pseudonymMap?.path ?? "(none given)"
            throw DiagError.noInput(
                "the pseudonym map \(path) does not exist; pass --pseudonym-map with the map saved when \(source.root) was collected, which keeps its pseudonyms as they are when the ruleset runs again")
        }
        let map = try PseudonymMap.load(from: mapURL)
        let collectedReplacements = source.manifest["redaction"]?["replacements"]?.intValue ?? 0
        if map.count == 0 && collectedReplacements > 0 {
            throw DiagError.data(
                "the pseudonym map \(mapURL.path) is empty, but \(source.root) has \(collectedReplacements) replacements; pass --pseudonym-map with the map saved when it was collected")
        }
        // A map made under another pseudonym key contains none of this bundle's pseudonyms, so
        // the rules would give every pseudonym in the bundle a pseudonym of its own.
        if collectedReplacements > 0, map.pseudonymsFound(in: source.files) == 0 {
            throw DiagError.data(
                "the pseudonym map \(mapURL.path) contains none of the pseudonyms in \(source.root), so it was made with another pseudonym key; pass --pseudonym-key and --pseudonym-map with the files used when the bundle was collected (scripts/demo keeps them in demo-out/keys/)")
        }

        let text = try FileSafety.read(rulesURL)
        let base = try Ruleset.load(default: rulesURL)
        let digest = Sodium.sha256(text).hexString
        reapplied = BundleRewriter.ReappliedRuleset(
            id: base.id, file: rulesURL, sha256: digest,
            matchesCollection: digest == source.manifest["ruleset"]?["sha256"]?.stringValue, rememberedPseudonyms: map.count)
        return (base.merging(review), map)
    }
}
