import DiagLogs
import DiagSupport
import Foundation

// Runs `LogMinerBenchmark` with this process's arguments (`[DIR] [--json]`).
do {
    try LogMinerBenchmark.run(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("loghub-bench: \(error.operatorMessage)\n".utf8))
    exit(error.exitStatus.rawValue)
}
