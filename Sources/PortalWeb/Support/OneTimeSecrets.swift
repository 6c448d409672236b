import Foundation
import PortalCrypto
import Synchronization

/// Holds a newly issued token for one redirect, so the page that shows it once can be a GET
/// (POST-redirect-GET) without the secret ever travelling in a cookie or a URL.
package final class OneTimeSecrets: Sendable {
    private struct Entry {
        var secret: String
        var ownerKey: String
        var label: String
        var expires: Date
    }

    private let entries = Mutex<[String: Entry]>([:])

    package init() {}

    /// Stores a secret for the account `ownerKey`; returns the one-time handle.
    func put(_ secret: String, label: String, ownerKey: String, now: Date) throws -> String {
        let handle = ByteEncoding.base64url(try SecureRandom.bytes(16))
        entries.withLock { entries in
            entries = entries.filter { $0.value.expires > now }
            entries[handle] = Entry(secret: secret, ownerKey: ownerKey, label: label, expires: now.addingTimeInterval(300))
        }
        return handle
    }

    /// Takes the secret out (it is gone afterwards); only the account that issued it may take it.
    func take(_ handle: String, ownerKey: String, now: Date) -> (secret: String, label: String)? {
        entries.withLock { entries in
            guard let entry = entries[handle], entry.ownerKey == ownerKey, entry.expires > now else { return nil }
            entries[handle] = nil
            return (entry.secret, entry.label)
        }
    }
}
