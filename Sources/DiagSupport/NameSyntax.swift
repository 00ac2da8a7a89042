/// The syntax of site and region names, which become parts of bundle file names and manifest
/// fields: 1 to 63 ASCII letters, digits, `.`, `_` or `-`, not starting with `.`.
public enum NameSyntax {
    public static let maximumLength = 63

    /// The rule as one phrase, for error messages.
    public static let rule = "use 1 to 63 letters, digits, '.', '_' or '-', not starting with '.'"

    /// Returns true when `value` follows the rule.
    public static func isValid(_ value: String) -> Bool {
        let allowed = value.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        return !value.isEmpty && value.utf8.count <= maximumLength && allowed && value.first != "."
    }
}
