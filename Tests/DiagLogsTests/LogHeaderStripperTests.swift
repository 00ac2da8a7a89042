import DiagLogs
import DiagSupport
import Foundation
import Testing

@Suite struct LogHeaderStripperTests {
    /// A reference date in 2026, so year-less timestamps resolve to 2025 or 2026.
    static let stripper = LogHeaderStripper(referenceDate: Timestamp.parse("2026-06-30T00:00:00Z")!)

    static func seconds(_ text: String) -> Double { Timestamp.parse(text)!.timeIntervalSince1970 }

    struct Case: Sendable, CustomStringConvertible {
        var line: String
        var message: String
        var timestamp: String?
        var level: LogLevel?
        var description: String { line }
    }

    static let cases: [Case] = [
        Case(line: "2026-03-01T12:00:00Z ERROR db: connection refused", message: "connection refused",
             timestamp: "2026-03-01T12:00:00Z", level: .error),
        Case(line: "2026-03-01T12:00:00.250+02:00 [main] WARN  org.example.Pool: pool exhausted",
             message: "pool exhausted", timestamp: "2026-03-01T10:00:00.250Z", level: .warning),
        Case(line: "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
             message: "check pass; user unknown", timestamp: "2026-06-14T15:16:01Z", level: nil),
        Case(line: "Dec 10 06:55:46 LabSZ sshd[24200]: error: Received disconnect from 1.2.3.4",
             message: "error: Received disconnect from 1.2.3.4", timestamp: "2025-12-10T06:55:46Z", level: nil),
        Case(line: "Jul 27 14:41:58 combo kernel: ACPI: Subsystem revision 20040211",
             message: "ACPI: Subsystem revision 20040211", timestamp: "2025-07-27T14:41:58Z", level: nil),
        Case(line: "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
             message: "PacketResponder 1 terminating", timestamp: "2008-11-09T20:36:15Z", level: .info),
        Case(line: "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
             message: "Notification time out: 3200", timestamp: "2015-07-29T17:41:44.747Z", level: .info),
        Case(line: "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
             message: "mod_jk child workerEnv in error state 6", timestamp: "2005-12-04T04:47:44Z", level: .error),
        Case(line: "1131566461 node-1 done", message: "node-1 done", timestamp: "2005-11-09T20:01:01Z", level: nil),
        Case(line: "1131566461123 done", message: "done", timestamp: "2005-11-09T20:01:01.123Z", level: nil),
        Case(line: "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi",
             message: "Changing view acls to: yarn,curi", timestamp: "2017-06-09T20:10:40Z", level: .info),
        Case(line: "2015-10-18 18:10:44,545 ERROR [RMCommunicator Allocator] org.apache.hadoop.mapreduce.v2.app.rm.RMContainerAllocator: ERROR IN CONTACTING RM.",
             message: "ERROR IN CONTACTING RM.", timestamp: "2015-10-18T18:10:44.545Z", level: .error),
        Case(line: "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: session closed for user root",
             message: "session closed for user root", timestamp: "2005-11-09T20:01:01Z", level: nil),
        Case(line: "E0611 12:00:00.123456    1234 reflector.go:138] watch failed",
             message: "watch failed", timestamp: "2026-06-11T12:00:00.123Z", level: .error),
        Case(line: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
             message: "'su root' failed for lonvick on /dev/pts/8", timestamp: "2025-10-11T22:14:15Z", level: nil),
        Case(line: "2024-01-02 03:04:05,678 - app.db - ERROR - query failed", message: "query failed",
             timestamp: "2024-01-02T03:04:05.678Z", level: .error),
        Case(line: "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs opening app",
             message: "printFreezingDisplayLogs opening app", timestamp: "2026-03-17T16:13:38.811Z", level: .debug),
        Case(line: "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO cache parity error corrected",
             message: "R02-M1-N0-C:J12-U11 RAS KERNEL INFO cache parity error corrected",
             timestamp: "2005-06-03T22:42:50Z", level: nil),
        Case(line: "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
             message: "Step_LSC|30002312|onStandStepChanged 3579", timestamp: "2017-12-23T22:15:29.606Z", level: nil),
        Case(line: "2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505",
             message: "CBS    Loaded Servicing Stack v6.1.7601.23505", timestamp: "2016-09-28T04:30:30Z", level: .info),
        Case(line: "no header here at all", message: "no header here at all", timestamp: nil, level: nil),
        Case(line: "ERROR: disk full", message: "disk full", timestamp: nil, level: .error),
        Case(line: "Error connecting to the database", message: "Error connecting to the database", timestamp: nil,
             level: nil),
        Case(line: "", message: "", timestamp: nil, level: nil),
    ]

    @Test(arguments: cases)
    func stripsHeader(example: Case) throws {
        let (message, header) = Self.stripper.strip(example.line)
        #expect(message == example.message)
        #expect(header.level == example.level)
        if let expected = example.timestamp {
            let timestamp = try #require(header.timestamp)
            #expect(abs(timestamp - Self.seconds(expected)) < 0.002)
        } else {
            #expect(header.timestamp == nil)
        }
    }

    @Test func reportsSyslogProgram() {
        let line = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass"
        var bytes = Array(line.utf8)
        let program = bytes.withUnsafeMutableBufferPointer { buffer -> String? in
            let header = Self.stripper.strip(UnsafeBufferPointer(buffer), from: 0, to: buffer.count)
            return header.program.map { String(decoding: buffer[$0], as: UTF8.self) }
        }
        #expect(program == "sshd")
    }

    @Test func rejectsImpossibleDates() {
        let (message, header) = Self.stripper.strip("2026-13-45 10:00:00 INFO x")
        #expect(header.timestamp == nil)
        #expect(message == "2026-13-45 10:00:00 INFO x")
    }
}
