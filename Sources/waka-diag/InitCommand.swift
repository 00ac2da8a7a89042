import DiagCore
import DiagSupport
import Foundation

enum InitCommand {
    static let defaultPath = "waka-diag-profile.yaml"

    static let command = Command(
        name: "init", summary: "write a commented starter profile for a deployment mode",
        help: """
            usage: waka-diag init --mode MODE [--out FILE]

            Writes a starter collection profile with every setting explained in comments and loopback
            example URLs only. Edit the endpoints, then check it with
            'waka-diag collect --profile FILE --dry-run'. Never overwrites an existing file.

              --mode MODE   saas, partner or self-hosted
              --out FILE    where to write the profile (default: \(defaultPath) in the current folder)
            """,
        run: { raw in
            let arguments = try Arguments(raw, options: ["mode", "out"], flags: [], command: "init")
            guard arguments.positional.isEmpty else {
                throw DiagError.usage("'init' takes no positional arguments; give the file with --out")
            }
            let mode = try DeploymentMode.parse(try arguments.required("mode", command: "init"))
            let path = URL(fileURLWithPath: arguments.value("out") ?? defaultPath)

            try ProfileTemplate.write(mode: mode, to: path)
            // The starter must load as written; a failure here is a bug in the template.
            _ = try CollectionProfile.load(url: path)
            Terminal.out(path.path)
            Terminal.err("wrote a \(mode.rawValue) profile to \(path.path); edit its endpoints, then run 'waka-diag collect --profile \(path.path) --dry-run'")
            return .success
        })
}
