import Foundation
import PortalCrypto

/// The HMAC keys for session cookies and CSRF tokens, kept in `data/secrets/session-keys` (0600):
/// one base64url key per line, newest last. New cookies are signed with the newest; cookies signed
/// with any listed key verify, so keys rotate by appending a line (and later deleting old ones).
package struct SessionKeys: Sendable {
    /// Oldest first.
    package let keys: [[UInt8]]

    package init(keys: [[UInt8]]) {
        precondition(!keys.isEmpty, "at least one session key")
        self.keys = keys
    }

    /// The key that signs.
    package var signing: [UInt8] { keys[keys.count - 1] }

    /// Loads the keys, creating the file with one fresh 256-bit key on first start.
    package static func load(path: String) throws -> SessionKeys {
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let keys = text.split(whereSeparator: \.isNewline).compactMap { ByteEncoding.fromBase64url(String($0).trimmingCharacters(in: .whitespaces)) }
                .filter { $0.count >= 32 }
            if !keys.isEmpty { return SessionKeys(keys: keys) }
        }
        let key = try SecureRandom.bytes(32)
        let created = FileManager.default.createFile(
            atPath: path, contents: Data((ByteEncoding.base64url(key) + "\n").utf8), attributes: [.posixPermissions: 0o600])
        guard created else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        return SessionKeys(keys: [key])
    }

    /// Fresh random keys (tests).
    package static func ephemeral() throws -> SessionKeys { SessionKeys(keys: [try SecureRandom.bytes(32)]) }
}
