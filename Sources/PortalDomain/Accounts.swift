package import Foundation

/// A tenant account.
package struct Tenant: Hashable, Sendable {
    package var id: TenantID
    package var name: String
    package var createdAt: Date

    package init(id: TenantID, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// A staff account (support or admin), not a tenant.
package struct StaffAccount: Hashable, Sendable {
    package var name: StaffName
    package var role: StaffRole
    package var createdAt: Date

    package init(name: StaffName, role: StaffRole, createdAt: Date) {
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }
}

/// What is known about an API token (never its secret).
package struct TokenInfo: Hashable, Sendable {
    package var id: TokenID
    package var principal: Principal
    package var label: String
    package var createdAt: Date
    package var expiresAt: Date?
    package var revokedAt: Date?
    package var lastUsedAt: Date?

    package init(id: TokenID, principal: Principal, label: String, createdAt: Date, expiresAt: Date?, revokedAt: Date?, lastUsedAt: Date?) {
        self.id = id
        self.principal = principal
        self.label = label
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    /// Usable now: not revoked, not expired.
    package func isUsable(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > now } ?? true)
    }

    /// "active", "revoked" or "expired".
    package func state(at now: Date) -> String {
        if revokedAt != nil { return "revoked" }
        if let expiresAt, expiresAt <= now { return "expired" }
        return "active"
    }
}

/// Whom a new token is for.
package enum TokenSubject: Hashable, Sendable {
    case tenant(TenantID, role: TenantRole)
    case staff(StaffName)
}

/// Rules for token lifetimes.
package enum TokenRules {
    /// Parses a duration such as `30d`, `12h`, `90m` or `3600s`.
    package static func duration(_ text: String) throws(DomainError) -> TimeInterval {
        guard let unit = text.last, text.first?.isASCII == true, text.first?.isNumber == true, let number = Int(text.dropLast()), number > 0 else {
            throw .invalid("'\(text.prefix(32))' is not a duration: use a number and a unit, e.g. 30d, 12h, 90m, 3600s.")
        }
        switch unit {
        case "s": return TimeInterval(number)
        case "m": return TimeInterval(number) * 60
        case "h": return TimeInterval(number) * 3600
        case "d": return TimeInterval(number) * 86_400
        default: throw .invalid("'\(text.prefix(32))' is not a duration: the unit must be s, m, h or d.")
        }
    }

    /// `last_used_at` is written at most this often per token.
    package static let lastUsedResolution: TimeInterval = 60
}
