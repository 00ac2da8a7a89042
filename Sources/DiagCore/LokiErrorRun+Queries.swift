import DiagCollect
import DiagLogs
import DiagSupport
import Foundation

extension LokiErrorRun {
    /// Counts the selector's error lines with one metric query whose steps tile the window.
    ///
    /// Each point counts the step before it, so points at `end - k * step` for k below n cover
    /// `(end - n * step, end]`: the window itself when it divides into whole milliseconds,
    /// otherwise up to one step more.
    mutating func count(_ selector: String) async {
        let windowMilliseconds = max(Int64(window.durationSeconds * 1000), 1000)
        let buckets = Int64(collector.limits.bucketCount)
        let stepMilliseconds = max(1000, (windowMilliseconds + buckets - 1) / buckets)
        let steps = (windowMilliseconds + stepMilliseconds - 1) / stepMilliseconds
        let queryStart = endNanoseconds - (steps - 1) * stepMilliseconds * 1_000_000
        let query = LokiErrorQueries.countQuery(
            selector: selector, serviceLabel: serviceLabel, stepMilliseconds: Int(stepMilliseconds))
        let url = replica.url(
            "/loki/api/v1/query_range",
            [
                ("query", query), ("start", String(queryStart)), ("end", String(endNanoseconds)),
                ("step", String(format: "%.3f", Double(stepMilliseconds) / 1000)),
            ])

        requests += 1
        do throws(HTTPFailure) {
            let data = try await replica.getData(url, endpoint: Self.countsEndpoint, deadline: deadline) ?? .null
            let result: LokiErrorQueries.Counts
            do {
                result = try LokiErrorQueries.counts(fromMatrix: data, serviceLabel: serviceLabel, masking: masking)
            } catch {
                throw HTTPFailure(.invalidResponse, endpoint: Self.countsEndpoint, reason: error.operatorMessage)
            }
            counts += result.groups
            countedBelowErrorLevel += result.belowErrorLevel
            countsSucceeded = true
            coreSuccesses += 1
        } catch {
            record(error)
        }
    }

    /// Fetches the selector's error lines forward in time, in pages spread over equal slices
    /// of the window, and mines them.
    ///
    /// Each slice gets an equal share of `pageBudget` and `lineBudget`. A page that comes back
    /// full continues from just after its newest line. A page whose lines all lie before the
    /// requested start, which a server that ignores `start` returns forever, ends the paging.
    mutating func fetchLines(_ selector: String, pageBudget: Int, lineBudget: Int) async {
        let limits = collector.limits
        let slices = min(limits.slices, pageBudget)
        let pagesPerSlice = max(1, pageBudget / slices)
        let linesPerSlice = max(1, lineBudget / slices)
        // Lines are fetched over (start, end], the range the count query covers; Loki's `start`
        // is inclusive and its `end` exclusive, hence the one nanosecond added to both.
        let first = startNanoseconds + 1
        let span = endNanoseconds - startNanoseconds
        let query = LokiErrorQueries.lineQuery(selector: selector)

        for slice in 0..<slices {
            let sliceStart = first + span * Int64(slice) / Int64(slices)
            let sliceEnd = first + span * Int64(slice + 1) / Int64(slices)
            var cursor = sliceStart
            var sliceLines = 0
            var slicePages = 0

            while true {
                if linesFetched >= limits.maximumLines { return note("line_cap") }
                if pages >= limits.maximumPages { return note("page_cap") }
                if deadline.timeIntervalSinceNow < Self.deadlineMargin { return note("deadline") }

                let limit = min(limits.pageLines, linesPerSlice - sliceLines, limits.maximumLines - linesFetched)
                let url = replica.url(
                    "/loki/api/v1/query_range",
                    [
                        ("query", query), ("start", String(cursor)), ("end", String(sliceEnd)), ("limit", String(limit)),
                        ("direction", "forward"),
                    ])
                requests += 1
                let entries: [LokiErrorQueries.Entry]
                do throws(HTTPFailure) {
                    let data = try await replica.getData(url, endpoint: Self.linesEndpoint, deadline: deadline) ?? .null
                    do {
                        entries = try LokiErrorQueries.entries(fromStreams: data)
                    } catch {
                        throw HTTPFailure(.invalidResponse, endpoint: Self.linesEndpoint, reason: error.operatorMessage)
                    }
                } catch {
                    record(error)
                    return note("failure")
                }
                pages += 1
                slicePages += 1
                coreSuccesses += 1

                let requested = entries.filter { $0.nanoseconds >= cursor && $0.nanoseconds < sliceEnd }
                if !entries.isEmpty && requested.isEmpty {
                    failures.append(
                        EndpointFailure(
                            endpoint: Self.linesEndpoint, status: .invalidResponse,
                            reason: "paging made no progress: Loki returned only lines outside the requested time range, so paging stopped after \(pages) pages"))
                    return note("no_progress")
                }
                for entry in requested.prefix(limit) {
                    miner.add(selectedLine: entry.line, fields: LokiErrorQueries.fields(of: entry, serviceLabel: serviceLabel))
                }
                let used = min(requested.count, limit)
                linesFetched += used
                sliceLines += used

                if entries.count < limit { break }
                if sliceLines >= linesPerSlice {
                    note("line_cap")
                    break
                }
                if slicePages >= pagesPerSlice {
                    note("page_cap")
                    break
                }
                cursor = (requested.map(\.nanoseconds).max() ?? cursor) + 1
            }
        }
    }

    /// Keeps the most serious reason for stopping early: a failure or a stalled paging over the
    /// deadline, and the deadline over a cap.
    private mutating func note(_ reason: String) {
        let rank = ["line_cap": 0, "page_cap": 0, "deadline": 1, "failure": 2, "no_progress": 2]
        if let current = stoppedBy, (rank[current] ?? 0) >= (rank[reason] ?? 0) { return }
        stoppedBy = reason
    }
}
