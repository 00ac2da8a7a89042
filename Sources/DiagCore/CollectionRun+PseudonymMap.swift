import DiagRedaction
import DiagSupport
import Foundation

extension CollectionRun {
    /// Reads the site's pseudonym map, which `collect` and `redact` pass to
    /// `Pseudonymizer.reserve(_:)` before redacting. A value that collides with a pseudonym of an
    /// earlier run is then re-keyed at once, so this run adds no second value to that pseudonym
    /// unless all of the pseudonymizer's re-keying attempts collide.
    ///
    /// Returns an empty map when `url` is nil or names no file, because the first run on a
    /// machine has no map yet. A file that exists but cannot be read or parsed throws, so a run
    /// stops before it contacts any source or writes a pseudonym that the map could not check.
    public static func loadPseudonymMap(at url: URL?) throws -> PseudonymMap {
        guard let url, FileManager.default.fileExists(atPath: url.path) else { return PseudonymMap() }
        return try PseudonymMap.load(from: url)
    }

    /// Returns a pseudonymizer under the run's secret in which every pseudonym of the site's map,
    /// read by `prepare`, is reserved. The map is empty with `--fresh-pseudonyms`, whose key no earlier
    /// run used.
    func makePseudonymizer() -> Pseudonymizer {
        let pseudonymizer = Pseudonymizer(secret: pseudonymSecret)
        pseudonymizer.reserve(siteMap)
        return pseudonymizer
    }
}
