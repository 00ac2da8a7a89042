/// Renders template tokens as one line of text.
enum TemplateText {
    private static let httpMethods: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ]

    /// Joins `tokens` with spaces; a route template (`GET /api /users <*>`, as `AccessLogLine`
    /// builds it) is joined back into one path (`GET /api/users/<*>`).
    static func render(_ tokens: [String]) -> String {
        guard tokens.count > 1, httpMethods.contains(tokens[0]),
            tokens.dropFirst().allSatisfy({ $0.hasPrefix("/") || $0 == MessageMasker.wildcard })
        else {
            return tokens.joined(separator: " ")
        }
        let path = tokens.dropFirst().map { $0 == MessageMasker.wildcard ? "/<*>" : $0 }.joined()
        return tokens[0] + " " + path
    }
}
