import Foundation

/// Removes, when the test process exits, the folders that tests and shared fixtures keep for the
/// whole run, such as a test CA's keys.
public enum ExitCleanup {
    private static var paths: [String] = []
    private static let lock = NSLock()
    private static let installed: Void = { atexit { ExitCleanup.removeAll() } }()

    public static func register(_ url: URL) {
        _ = installed
        lock.lock()
        paths.append(url.path)
        lock.unlock()
    }

    private static func removeAll() {
        lock.lock()
        let all = paths
        lock.unlock()
        for path in all { try? FileManager.default.removeItem(atPath: path) }
    }
}
