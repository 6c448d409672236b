import Foundation
import PortalDomain

/// One token, as a row.
struct TokenRow {
    let id: String
    let label: String
    let who: String
    let state: String
    let active: Bool
    let created: String
    let expires: String
    let lastUsed: String
    let current: Bool
    let csrf: String
    let revokeHref: String

    init(_ token: TokenInfo, now: Date, current: Bool, csrf: String, revokeHref: String) {
        id = token.id.rawValue
        label = token.label
        who = token.principal.label
        state = token.state(at: now)
        active = state == "active"
        created = Format.date(token.createdAt)
        expires = token.expiresAt.map(Format.date) ?? "never"
        lastUsed = token.lastUsedAt.map { Format.relative($0, now: now) } ?? "never"
        self.current = current
        self.csrf = csrf
        self.revokeHref = revokeHref
    }
}
