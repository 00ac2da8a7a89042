/// What a rule's matches are, which decides the shape of their replacement.
///
/// Identifier kinds get readable pseudonyms (`tenant-3f9a1c20`), network kinds keep their format
/// (an IPv4 address stays an IPv4 address), and secret kinds become `<redacted:kind:1a2b3c4d>`
/// markers that never contain the original.
public enum RuleKind: String, CaseIterable, Sendable {
    case email
    case ipv4
    case ipv6
    case mac
    case hostname
    case urlCredentials = "url-credentials"
    case bearerToken = "bearer-token"
    case jwt
    case privateKey = "private-key"
    case awsKey = "aws-key"
    case webhookURL = "webhook-url"
    case apiToken = "api-token"
    case secretValue = "secret-value"
    case tenantID = "tenant-id"
    case userID = "user-id"
    case customerID = "customer-id"
    case identifier
    case phone
    case nationalID = "national-id"
    case cardNumber = "card-number"
    case keyword

    /// Whether the value is a secret. Secrets are replaced by markers and never written to the
    /// pseudonym map, because no reader needs to translate a secret back.
    public var isSecret: Bool {
        switch self {
        case .urlCredentials, .bearerToken, .jwt, .privateKey, .awsKey, .webhookURL, .apiToken, .secretValue,
            .nationalID, .cardNumber:
            return true
        case .email, .ipv4, .ipv6, .mac, .hostname, .tenantID, .userID, .customerID, .identifier, .phone, .keyword:
            return false
        }
    }

    /// The prefix of an identifier pseudonym such as `tenant-3f9a1c20`, for kinds that use one.
    var identifierPrefix: String? {
        switch self {
        case .tenantID: return "tenant"
        case .userID: return "user"
        case .customerID: return "customer"
        case .identifier: return "id"
        case .keyword: return "keyword"
        default: return nil
        }
    }
}

/// A check a pattern match must pass before it is replaced, for what a regex cannot express well.
public enum RuleValidator: String, CaseIterable, Sendable {
    /// Four decimal octets, each 0-255.
    case ipv4
    /// An address `inet_pton(AF_INET6)` accepts, with at least two colons.
    case ipv6
    /// 13-19 digits that pass the Luhn check and start with a card network's issuer prefix.
    case luhn
    /// Three base64url parts whose first part decodes to a JSON object (the JOSE header).
    case jwt
    /// 8-15 digits in total, the E.164 limit.
    case phone
    /// A bearer token: at least 8 characters with a digit, or at least 16 with upper and lower case.
    case token
    /// A credential in prose: at least 8 characters with at least one letter and one digit.
    case credential
    /// Base64 that decodes to printable `user:password` text, as in HTTP Basic authentication.
    case basicCredentials = "basic-credentials"
    /// A random-looking token: at least 24 characters mixing upper case, lower case and digits.
    case highEntropy = "high-entropy"
}
