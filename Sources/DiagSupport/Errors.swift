import Foundation

/// Process exit statuses of `waka-diag`, one value per outcome a script may need to tell apart.
///
/// The numbers from 64 on follow BSD `sysexits.h`, so shell users recognise them.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// The command did everything it was asked.
    case success = 0
    /// A check failed: a signature, a hash, a leak scan or a test of the ruleset.
    case checkFailed = 1
    /// `collect` wrote a bundle, but at least one source failed or was cut; see `collection/errors.json`.
    case partialBundle = 2
    /// `collect` wrote a bundle, but every source failed, so it contains little beyond the failure report.
    case allSourcesFailed = 69
    /// The command line was wrong: an unknown option, a missing value, a malformed duration.
    case usage = 64
    /// An input file was read but its content is invalid (malformed YAML or JSON, a ruleset that fails its schema).
    case dataError = 65
    /// An input file or folder does not exist or cannot be read.
    case noInput = 66
    /// An output file cannot be created, or exists and would be overwritten.
    case cannotCreate = 73
    /// Reading or writing failed part way.
    case ioError = 74
    /// A file has unsafe permissions, such as a secret key readable by other users.
    case permission = 77
    /// A profile or setting is invalid or contradicts the deployment mode's rules.
    case configuration = 78
    /// The process was interrupted by SIGINT or SIGTERM and cleaned up.
    case interrupted = 130
}

/// An error that `waka-diag` reports to the operator as one line and maps to an exit status.
public protocol DiagnosticError: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}

/// A general error with a message that names the value at fault and what to do.
public struct DiagError: DiagnosticError, Equatable {
    public var exitStatus: ExitStatus
    public var message: String

    public init(_ exitStatus: ExitStatus, _ message: String) {
        self.exitStatus = exitStatus
        self.message = message
    }

    public var description: String { message }

    public static func usage(_ message: String) -> DiagError { DiagError(.usage, message) }
    public static func data(_ message: String) -> DiagError { DiagError(.dataError, message) }
    public static func noInput(_ message: String) -> DiagError { DiagError(.noInput, message) }
    public static func io(_ message: String) -> DiagError { DiagError(.ioError, message) }
    public static func configuration(_ message: String) -> DiagError { DiagError(.configuration, message) }
}

extension Error {
    /// The exit status for this error: its own for a `DiagnosticError`, otherwise `ioError`.
    public var exitStatus: ExitStatus {
        (self as? DiagnosticError)?.exitStatus ?? .ioError
    }

    /// A one-line message for the operator.
    public var operatorMessage: String {
        if let diagnostic = self as? DiagnosticError { return diagnostic.description }
        return String(describing: self)
    }
}
