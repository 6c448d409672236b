package import Foundation
package import PortalDomain
import PortalCrypto

/// What a session cookie carries: a session ID, times, and the held accounts as token IDs.
package struct SessionPayload: Codable, Hashable, Sendable {
    /// 128 random bits, base64url.
    package var sid: String
    /// Issued at (seconds since 1970).
    package var iat: Int64
    /// Expires at (seconds since 1970).
    package var exp: Int64
    /// Held accounts: [[key, tokenID], ...].
    package var acc: [[String]]
    /// The active account's key.
    package var act: String

    package init(sid: String, iat: Int64, exp: Int64, accounts: AccountSet) {
        self.sid = sid
        self.iat = iat
        self.exp = exp
        acc = accounts.accounts.map { [$0.key, $0.tokenID.rawValue] }
        act = accounts.activeKey
    }

    /// The held accounts, if the payload is consistent.
    package var accounts: AccountSet? {
        let held = acc.compactMap { pair -> HeldAccount? in
            guard pair.count == 2, let token = TokenID(rawValue: pair[1]) else { return nil }
            return HeldAccount(key: pair[0], tokenID: token)
        }
        guard held.count == acc.count else { return nil }
        return AccountSet(accounts: held, activeKey: act)
    }

    /// Replaces the accounts.
    package mutating func set(_ accounts: AccountSet) {
        acc = accounts.accounts.map { [$0.key, $0.tokenID.rawValue] }
        act = accounts.activeKey
    }
}

/// `portal_session` = base64url(payload JSON) "." base64url(HMAC-SHA256(key, first part)),
/// verified in constant time against every session key.
package struct SessionCodec: Sendable {
    /// The cookie's name.
    package static let cookieName = "portal_session"
    /// The flash-message cookie's name.
    package static let flashCookieName = "portal_flash"

    let keys: SessionKeys

    package init(keys: SessionKeys) { self.keys = keys }

    /// Signs a payload.
    package func encode(_ payload: SessionPayload) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = (try? encoder.encode(payload)) ?? Data()
        return sign(ByteEncoding.base64url(Array(json)))
    }

    /// Verifies and decodes a cookie; nil when forged, malformed or expired.
    package func decode(_ cookie: String, now: Date) -> SessionPayload? {
        guard let body = verify(cookie), let json = ByteEncoding.fromBase64url(body),
            let payload = try? JSONDecoder().decode(SessionPayload.self, from: Data(json)),
            Date(timeIntervalSince1970: TimeInterval(payload.exp)) > now
        else { return nil }
        return payload
    }

    /// `value.signature` with the newest key.
    package func sign(_ value: String) -> String {
        value + "." + ByteEncoding.base64url(HMACSHA256.mac(key: keys.signing, message: value))
    }

    /// The value of a signed `value.signature` string, if any key's signature matches.
    package func verify(_ signed: String) -> String? {
        guard signed.utf8.count < 8192, let dot = signed.lastIndex(of: ".") else { return nil }
        let value = String(signed[..<dot])
        guard let signature = ByteEncoding.fromBase64url(String(signed[signed.index(after: dot)...])) else { return nil }
        for key in keys.keys.reversed() where constantTimeEquals(HMACSHA256.mac(key: key, message: value), signature) {
            return value
        }
        return nil
    }

    /// The CSRF token of a session: HMAC(key, session ID ‖ "csrf").
    package func csrfToken(sessionID: String) -> String {
        ByteEncoding.base64url(HMACSHA256.mac(key: keys.signing, message: sessionID + "|csrf"))
    }

    /// Checks a submitted CSRF token against every key, in constant time.
    package func verifyCSRF(_ token: String?, sessionID: String) -> Bool {
        guard let token, let presented = ByteEncoding.fromBase64url(token) else { return false }
        return keys.keys.contains { constantTimeEquals(HMACSHA256.mac(key: $0, message: sessionID + "|csrf"), presented) }
    }

    /// A new random session ID.
    package static func newSessionID() throws -> String {
        ByteEncoding.base64url(try SecureRandom.bytes(16))
    }
}
