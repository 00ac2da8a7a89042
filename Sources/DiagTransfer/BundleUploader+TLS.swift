import DiagCollect
import DiagSupport
import Foundation

extension BundleUploader {
    /// Returns the `--ca`, `--client-cert` and `--client-key` files for the transport, after
    /// checking that each given file is a readable regular file and that the certificate and key
    /// come together, so a typing error fails before the bundle is read.
    ///
    /// The files are used only for an `https` destination; with `http` to a loopback address
    /// libcurl ignores them.
    func tlsFiles() throws -> TLSFiles {
        let named: [(option: String, url: URL?)] = [
            ("--ca", certificateAuthority), ("--client-cert", clientCertificate), ("--client-key", clientKey),
        ]
        for case let (option, url?) in named {
            try Self.checkReadable(url, option: option)
        }
        switch (clientCertificate, clientKey) {
        case (.some, nil):
            throw DiagError.usage("--client-cert needs --client-key with the certificate's private key")
        case (nil, .some):
            throw DiagError.usage("--client-key needs --client-cert with the certificate it belongs to")
        default:
            break
        }
        return TLSFiles(caFile: certificateAuthority, clientCertificateFile: clientCertificate, clientKeyFile: clientKey)
    }

    private static func checkReadable(_ url: URL, option: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DiagError.noInput("\(option) \(url.path) does not exist; give the path of a PEM file")
        }
        guard !isFolder.boolValue else {
            throw DiagError.noInput("\(option) \(url.path) is a folder; give the path of a PEM file")
        }
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw DiagError.noInput("cannot read \(option) \(url.path): permission denied; check the file's mode")
        }
    }
}
