import DiagLogs
import DiagSupport
import Foundation

// Runs `LogMinerBenchmark` with this process's arguments (`[DIR] [--json] [--runs N]`), or
// `MixedLogBench` when the first argument is `mixed`, or `GroupingMistakes` for `mistakes`.
do {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.first == "mixed" {
        try MixedLogBench.run(arguments: Array(arguments.dropFirst()))
    } else if arguments.first == "mistakes" {
        try GroupingMistakes.run(arguments: Array(arguments.dropFirst()))
    } else {
        try LogMinerBenchmark.run(arguments: arguments)
    }
} catch {
    FileHandle.standardError.write(Data("loghub-bench: \(error.operatorMessage)\n".utf8))
    exit(error.exitStatus.rawValue)
}
