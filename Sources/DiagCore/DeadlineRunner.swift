import DiagCollect
import Foundation

/// Runs collectors concurrently and guarantees each one ends by its deadline, even when the
/// collector itself never returns: the pipeline then records it as timed out and moves on.
enum DeadlineRunner {
    /// Extra time granted past the deadline for a collector to hand back what it has.
    static let grace: Double = 0.5

    static func run(
        _ collectors: [any Collector], window: CollectionWindow, deadline: Date, progress: any CollectionProgress
    ) async -> [SourceResult] {
        await withTaskGroup(of: (Int, SourceResult).self) { group in
            for (index, collector) in collectors.enumerated() {
                group.addTask {
                    progress.sourceStarted(collector.name, endpoint: collector.endpointDescription)
                    let result = await runOne(collector, window: window, deadline: deadline)
                    progress.sourceFinished(result)
                    return (index, result)
                }
            }
            var results = [SourceResult?](repeating: nil, count: collectors.count)
            for await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
    }

    private static func runOne(_ collector: any Collector, window: CollectionWindow, deadline: Date) async -> SourceResult {
        let started = Date()
        let latch = ResultLatch()
        return await withCheckedContinuation { continuation in
            latch.install(continuation)
            let work = Task {
                let result = await collector.collect(window: window, deadline: deadline)
                latch.resume(with: result)
            }
            Task {
                let wait = max(0, deadline.timeIntervalSinceNow) + grace
                try? await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
                work.cancel()
                latch.resume(
                    with: SourceResult(
                        name: collector.name, kind: collector.kind, endpoint: collector.endpointDescription,
                        status: .timedOut,
                        reason: "no answer within the collection deadline of \(Int(deadline.timeIntervalSince(started).rounded())) s",
                        durationSeconds: Date().timeIntervalSince(started), documents: [], failures: [],
                        replica: collector.replica))
            }
        }
    }
}

/// Resumes a continuation exactly once with whichever result arrives first.
private final class ResultLatch: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<SourceResult, Never>?
    private var pending: SourceResult?
    private var done = false

    func install(_ continuation: CheckedContinuation<SourceResult, Never>) {
        lock.lock()
        defer { lock.unlock() }
        if let pending {
            continuation.resume(returning: pending)
            done = true
        } else {
            self.continuation = continuation
        }
    }

    func resume(with result: SourceResult) {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        if let continuation {
            continuation.resume(returning: result)
            done = true
            self.continuation = nil
        } else if pending == nil {
            pending = result
        }
    }
}
