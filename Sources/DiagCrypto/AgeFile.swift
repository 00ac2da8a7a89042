import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Recognizes age-encrypted files, so that commands that read a bundle's contents can print how to
/// decrypt one instead of failing on its bytes.
public enum AgeFile {
    /// Returns whether the file at `url` starts with the age v1 version line, binary or armored.
    public static func isEncrypted(_ url: URL) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return false }
        defer { try? handle.close() }
        let armored = Array("-----BEGIN AGE ENCRYPTED FILE-----".utf8)
        guard let start = try? handle.read(upToCount: armored.count) else { return false }
        let bytes = [UInt8](start)
        return bytes.starts(with: AgeHeader.versionLine + [0x0A]) || bytes == armored
    }

    /// Returns the command that decrypts `url` beside it, for messages.
    public static func decryptHint(_ url: URL) -> String {
        let target = url.pathExtension == "age" ? url.deletingPathExtension().path : url.path + ".tar.gz"
        return "age -d -i IDENTITY_FILE -o \(target) \(url.path)"
    }
}
