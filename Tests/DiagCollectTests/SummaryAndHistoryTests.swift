import DiagSupport
import Foundation
import Testing

@testable import DiagCollect

@Suite struct MetricSummarizerTests {
    let summarizer = MetricSummarizer(forbiddenLabels: QuerySet(name: "x", forbiddenLabels: ["Region_ID"], queries: []).forbiddenLabelSet)
    let query = QuerySet.Query(name: "q", expr: "sum by (job) (x)", unit: "seconds")

    @Test func computesStatistics() {
        let series = PrometheusSeries(
            labels: ["job": "api", "__name__": "x"],
            points: [(100, 2), (115, .nan), (130, 4), (145, .infinity), (160, 6)])

        let summary = summarizer.summarize(query, series: [series])

        let first = summary.json["series"]?[0]
        #expect(first?["labels"] == ["job": "api"])
        #expect(first?["min"]?.doubleValue == 2)
        #expect(first?["max"]?.doubleValue == 6)
        #expect(first?["mean"]?.doubleValue == 4)
        #expect(first?["last"]?.doubleValue == 6)
        #expect(first?["points"] == 5)
        #expect(first?["non_finite_points"] == 2)
        #expect(first?["coarse"]?.arrayValue?.count == 3)
        #expect(summary.json["unit"] == "seconds")
    }

    @Test func emptyAndAllNaNSeries() {
        let summary = summarizer.summarize(query, series: [PrometheusSeries(labels: ["job": "a"], points: [(1, .nan)])])
        let first = summary.json["series"]?[0]
        #expect(first?["min"] == JSONValue.null)
        #expect(first?["mean"] == JSONValue.null)
        #expect(first?["last"] == JSONValue.null)
        #expect(summarizer.summarize(query, series: []).json["series"] == [])
    }

    @Test func dropsForbiddenLabelsCaseInsensitively() {
        let series = [
            PrometheusSeries(labels: ["job": "api"], points: [(1, 1)]),
            PrometheusSeries(labels: ["job": "api", "Tenant_ID": "t-1"], points: [(1, 1)]),
            PrometheusSeries(labels: ["job": "api", "pod": "api-7f9c"], points: [(1, 1)]),
            PrometheusSeries(labels: ["job": "api", "region_id": "eu-1"], points: [(1, 1)]),
        ]

        let summary = summarizer.summarize(query, series: series)

        #expect(summary.keptSeries == 1)
        #expect(summary.droppedSeries == 3)
        #expect(summary.json["dropped_because_of_labels"] == ["Tenant_ID", "pod", "region_id"])
        let text = summary.json.serializedString()
        #expect(!text.contains("t-1"))
        #expect(!text.contains("api-7f9c"))
        #expect(!text.contains("eu-1"))
    }

    @Test func coarseSeriesHasAtMostSixtyPoints() {
        let points = (0..<120).map { (time: Double($0 * 15), value: Double($0)) }
        let coarse = MetricSummarizer.coarse(points)
        #expect(coarse.count == 60)
        #expect(coarse[0].value == 0.5)
        #expect(coarse[0].time == 0)
        #expect(MetricSummarizer.coarse(Array(points.prefix(7))).count == 7)
        #expect(MetricSummarizer.coarse(Array(points.prefix(61))).count == 31)
    }

    @Test func stepKeepsPointLimits() {
        let day = CollectionWindow(start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 86400))
        #expect(PrometheusCollector.step(for: day, points: 1000, minimum: 15) == 87)
        #expect(PrometheusCollector.step(for: day, points: 120, minimum: 1) == 720)
        let minute = CollectionWindow(start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 60))
        #expect(PrometheusCollector.step(for: minute, points: 1000, minimum: 15) == 15)
    }
}

@Suite struct AlertHistoryTests {
    let window = CollectionWindow(start: Date(timeIntervalSince1970: 1000), end: Date(timeIntervalSince1970: 1300))

    @Test func splitsAtGapsAndMarksOpen() {
        let labels = ["alertname": "HighLatency", "alertstate": "firing", "severity": "page", "job": "api"]
        let times: [Double] = [1000, 1015, 1030, 1090, 1105, 1285, 1300]
        let series = PrometheusSeries(labels: labels, points: times.map { ($0, 1) })

        let intervals = AlertHistoryBuilder.intervals(from: [series], step: 15, window: window)

        #expect(intervals.count == 3)
        #expect(intervals[0].start == Date(timeIntervalSince1970: 1000))
        #expect(intervals[0].end == Date(timeIntervalSince1970: 1030))
        #expect(intervals[0].durationSeconds == 30)
        #expect(intervals[1].end == Date(timeIntervalSince1970: 1105))
        #expect(intervals[2].end == nil)
        #expect(intervals[2].durationSeconds == 15)
        #expect(intervals[0].labels == ["job": "api"])
        #expect(intervals[0].severity == "page")
        #expect(intervals.allSatisfy { $0.state == "firing" })
        #expect(intervals.allSatisfy { $0.alertname == "HighLatency" })
    }

    @Test func separatesPendingFromFiring() {
        let pending = PrometheusSeries(labels: ["alertname": "A", "alertstate": "pending"], points: [(1000, 1), (1015, 1)])
        let firing = PrometheusSeries(labels: ["alertname": "A", "alertstate": "firing"], points: [(1030, 1)])

        let intervals = AlertHistoryBuilder.intervals(from: [firing, pending], step: 15, window: window)

        #expect(intervals.map(\.state) == ["firing", "pending"])
        #expect(intervals[0].end == Date(timeIntervalSince1970: 1030))
        #expect(intervals[0].json["open"] == false)
        #expect(intervals[1].json["end"] == "1970-01-01T00:16:55Z")
        let summary = AlertInterval.summary(intervals)
        #expect(summary[0]?["interval_count"] == 1)
        #expect(summary[1]?["total_seconds"]?.doubleValue == 15)
    }

    @Test func emptySeriesGiveNoIntervals() {
        let intervals = AlertHistoryBuilder.intervals(
            from: [PrometheusSeries(labels: ["alertname": "A"], points: [])], step: 15, window: window)
        #expect(intervals.isEmpty)
    }
}
