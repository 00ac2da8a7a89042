import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The operator's approval of an upload, given after seeing what will be sent.
public enum UploadApproval: Sendable {
    /// Approved in advance with `--yes`.
    case approved
    /// Ask with this function, which shows the summary and returns the operator's decision.
    case ask(@Sendable (String) -> Bool)
    /// No terminal to ask on and no `--yes`: the upload is refused.
    case unavailable

    /// `--yes` approves; otherwise asks on the terminal when standard input and standard error
    /// are both terminals, and is `unavailable` when they are not.
    public static func forTerminal(yes: Bool, inputIsTerminal: Bool = isatty(STDIN_FILENO) == 1,
                                   errorIsTerminal: Bool = isatty(STDERR_FILENO) == 1) -> UploadApproval {
        if yes { return .approved }
        guard inputIsTerminal && errorIsTerminal else { return .unavailable }
        return .ask { summary in
            FileHandle.standardError.write(Data((summary + "\nsend this bundle? [y/N] ").utf8))
            guard let answer = readLine(strippingNewline: true) else { return false }
            return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
        }
    }

    /// Returns normally when the upload is approved and throws `TransferError.notApproved` otherwise.
    func confirm(_ summary: String) throws {
        switch self {
        case .approved:
            return
        case .unavailable:
            throw TransferError.notApproved(
                reason: "no terminal to confirm on; review the summary and pass --yes to send without asking")
        case .ask(let prompt):
            guard prompt(summary) else { throw TransferError.notApproved(reason: "the operator declined") }
        }
    }
}
