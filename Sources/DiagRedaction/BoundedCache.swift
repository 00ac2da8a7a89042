import Foundation

/// Computed results by key, behind a lock, emptied when it reaches `limit` entries so that
/// memory stays bounded over long inputs with many distinct keys.
final class BoundedCache<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Key: Value] = [:]
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Returns the cached value for `key`, or computes it outside the lock and caches it.
    func value(for key: Key, compute: () -> Value) -> Value {
        lock.lock()
        if let known = entries[key] {
            lock.unlock()
            return known
        }
        lock.unlock()

        let value = compute()
        lock.lock()
        if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
        entries[key] = value
        lock.unlock()
        return value
    }
}
