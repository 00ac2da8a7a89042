/// The domain suffixes a hostname pseudonym keeps, so `db.acme.co.uk` stays recognisably British
/// and `api.default.svc.cluster.local` stays a Kubernetes service name.
///
/// This is a small built-in subset of the Public Suffix List plus private-use names, not the whole
/// list: a suffix it does not know is pseudonymized like any other label, which hides more rather
/// than less.
enum HostnameSuffixes {
    /// Suffixes under which the last label before the suffix is an organization's domain
    /// (pseudonymized as `example-…`).
    static let multiLabelPublic: Set<String> = [
        "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk", "nhs.uk", "sch.uk",
        "com.ng", "org.ng", "gov.ng", "edu.ng", "net.ng", "name.ng", "sch.ng", "mil.ng", "mobi.ng",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "co.nz", "org.nz", "co.za", "org.za", "gov.za",
        "co.jp", "ne.jp", "or.jp", "ac.jp", "co.in", "net.in", "org.in", "com.br", "com.cn", "com.mx",
        "co.ke", "or.ke", "com.gh", "co.il", "com.sg", "com.hk", "com.tr", "co.kr", "com.ar", "com.eg",
        "com.tw", "com.my", "co.id", "com.ph", "com.vn", "com.pk", "co.tz", "co.ug", "com.co",
        "amazonaws.com", "cloudapp.net", "azurewebsites.net", "cloudfront.net", "googleusercontent.com",
        "appspot.com", "herokuapp.com", "github.io",
    ]

    /// Generic top-level domains kept as suffixes; every two-letter country code is kept as well.
    static let genericTopLevel: Set<String> = [
        "com", "net", "org", "io", "dev", "app", "cloud", "ai", "info", "biz", "tech", "xyz", "online", "site",
        "edu", "gov", "mil", "int", "arpa", "network", "systems", "services", "email", "company", "digital", "coop", "africa",
        "example", "test", "invalid", "localhost",
    ]

    /// Private-use names: the first label under them is a host, not an organization.
    static let privateUse: Set<String> = [
        "internal", "local", "localdomain", "lan", "home", "corp", "intranet", "private", "home.arpa",
        "cluster.local", "svc.cluster.local", "consul", "service.consul", "node.consul", "ec2.internal",
        "compute.internal",
    ]

    /// Returns the number of trailing labels of `labels` that form the kept suffix, and whether
    /// the suffix is private-use.
    static func suffix(of labels: [Substring]) -> (count: Int, isPrivate: Bool) {
        for count in stride(from: min(3, labels.count), through: 1, by: -1) {
            let candidate = labels.suffix(count).joined(separator: ".")
            if privateUse.contains(candidate) { return (count, true) }
            if count > 1, multiLabelPublic.contains(candidate) { return (count, false) }
        }
        guard let last = labels.last else { return (0, false) }
        if genericTopLevel.contains(String(last)) { return (1, false) }
        if last.utf8.count == 2, last.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) { return (1, false) }
        return (0, false)
    }
}
