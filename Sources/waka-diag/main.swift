import DiagCore
import DiagLogs
import DiagSupport
import Foundation

/// One subcommand: its name, a one-line summary, its help text and what it runs.
struct Command {
    var name: String
    var summary: String
    var help: String
    var run: ([String]) async throws -> ExitStatus
}

let commands: [Command] = [
    CollectCommand.command,
    ReviewCommand.command,
    VerifyCommand.command,
    KeygenCommand.command,
    InitCommand.command,
    RedactCommand.command,
    RulesCommand.command,
    UnmapCommand.command,
    UploadCommand.command,
    ReceiveCommand.command,
    Command(
        name: "version", summary: "print the version", help: "usage: waka-diag version",
        run: { _ in
            Terminal.out("waka-diag \(WakaDiag.version)")
            return .success
        }),
]

func printHelp(_ topic: String?) -> ExitStatus {
    if let topic, let command = commands.first(where: { $0.name == topic }) {
        Terminal.out(command.help)
        return .success
    }
    if let topic {
        Terminal.error("unknown command '\(topic)'; run 'waka-diag help' for the list")
        return .usage
    }
    var lines = [
        "waka-diag \(WakaDiag.version): collect a redacted, signed diagnostics bundle from a WebWaka observability stack",
        "",
        "usage: waka-diag COMMAND [OPTIONS]",
        "",
        "commands:",
    ]
    for command in commands { lines.append("  " + command.name.padding(toLength: 10, withPad: " ", startingAt: 0) + command.summary) }
    lines.append("  help      print help for a command: waka-diag help COMMAND")
    lines.append("")
    lines.append("exit statuses: 0 success, 1 a check failed, 2 partial bundle, 64 usage, 65 invalid input data,")
    lines.append("66 input not found, 69 every source failed, 73 cannot create output, 74 I/O error,")
    lines.append("77 unsafe permissions, 78 configuration error, 130 interrupted")
    Terminal.out(lines.joined(separator: "\n"))
    return .success
}

func runMain() async -> ExitStatus {
    var arguments = Array(CommandLine.arguments.dropFirst())
    guard let name = arguments.first else { return printHelp(nil) }
    arguments.removeFirst()
    switch name {
    case "bench-miner":
        // Hidden: the entry point of bench/loghub, which measures the error-type miner.
        do {
            try LogMinerBenchmark.run(arguments: arguments)
            return .success
        } catch {
            Terminal.error(error.operatorMessage)
            return error.exitStatus
        }
    case "help", "--help", "-h":
        return printHelp(arguments.first)
    case "--version":
        Terminal.out("waka-diag \(WakaDiag.version)")
        return .success
    default:
        break
    }
    guard let command = commands.first(where: { $0.name == name }) else {
        if let near = Arguments.nearest(to: name, in: Set(commands.map(\.name))) {
            Terminal.error("unknown command '\(name)'; did you mean '\(near)'? Run 'waka-diag help' for the list")
        } else {
            Terminal.error("unknown command '\(name)'; run 'waka-diag help' for the list")
        }
        return .usage
    }
    if arguments.contains("--help") || arguments.contains("-h") {
        Terminal.out(command.help)
        return .success
    }
    do {
        return try await command.run(arguments)
    } catch {
        Terminal.error(error.operatorMessage)
        return error.exitStatus
    }
}

setvbuf(stdout, nil, _IOLBF, 0)
let status = await runMain()
exit(status.rawValue)
