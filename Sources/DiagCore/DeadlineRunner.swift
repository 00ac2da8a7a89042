import DiagCollect
import Foundation

/// Runs collectors concurrently and guarantees each one ends by its deadline, even when the
/// collector itself never returns: the pipeline then records it as timed out and moves on.
enum DeadlineRunner {
    /// Extra time granted past the deadline for a collector to hand back what it has.
    static let grace: Double = 0.5

    /// When sources must stop, and why.
    struct Limits: Sendable {
        /// The end of the per-source timeout (`--timeout`), from the start of collection.
        var sourceDeadline: Date
        /// The end of the collection phase of the overall deadline (`--deadline`).
        var overallDeadline: Date
        /// The `--deadline` as given, in seconds, for messages.
        var overallSeconds: Double

        /// The deadline that applies to every source: the earlier of the two.
        var deadline: Date { min(sourceDeadline, overallDeadline) }
        var overallIsBinding: Bool { overallDeadline < sourceDeadline }

        /// Time left for redacting and sealing once sources stop: a tenth of the overall
        /// deadline, at most 5 s.
        static func sealReserve(overallSeconds: Double) -> Double { min(overallSeconds * 0.1, 5) }

        init(start: Date, sourceTimeout: Double, overallTimeout: Double) {
            sourceDeadline = start.addingTimeInterval(sourceTimeout)
            overallDeadline = start.addingTimeInterval(overallTimeout - Self.sealReserve(overallSeconds: overallTimeout))
            overallSeconds = overallTimeout
        }
    }

    static func run(
        _ collectors: [any Collector], window: CollectionWindow, limits: Limits, progress: any CollectionProgress
    ) async -> [SourceResult] {
        await withTaskGroup(of: (Int, SourceResult).self) { group in
            for (index, collector) in collectors.enumerated() {
                group.addTask {
                    progress.sourceStarted(collector.name, endpoint: collector.endpointDescription)
                    var result = await runOne(collector, window: window, deadline: limits.deadline)
                    if limits.overallIsBinding, result.status == .timedOut || result.failures.contains(where: { $0.status == .timedOut }) {
                        let prefix = "the overall deadline (--deadline \(seconds(limits.overallSeconds)) s) stopped this source"
                        result.reason = result.reason.map { "\(prefix): \($0)" } ?? prefix
                    }
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
                        reason: "no answer within the collection deadline of \(seconds(deadline.timeIntervalSince(started))) s",
                        durationSeconds: Date().timeIntervalSince(started), documents: [], failures: [],
                        replica: collector.replica))
            }
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
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
