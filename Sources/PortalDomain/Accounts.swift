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

/// Who may manage accounts and read across tenants' shares.
package enum AccountRules {
    /// Creating tenants and staff, and issuing or revoking any tenant's tokens, is for admin staff
    /// (the command line acts as admin staff). Anyone else is told nothing exists (404).
    package static func requireOperator(_ principal: Principal) throws(DomainError) {
        guard case .staff(_, .admin) = principal else { throw .notFound("No such page.") }
    }

    /// The support views (share review, tenant overview) are for staff who read across tenants.
    package static func requireSupport(_ principal: Principal) throws(DomainError) {
        guard principal.readsAcrossTenants else { throw .notFound("No such page.") }
    }

    /// A tenant name: trimmed, at most 255 characters.
    package static func tenantName(_ name: String) throws(DomainError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 255 else { throw .invalid("A tenant name is at most 255 characters.") }
        return trimmed
    }
}

extension TokenRules {
    /// A token label: trimmed, at most 100 characters.
    package static func label(_ label: String) throws(DomainError) -> String {
        let trimmed = label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 100 else { throw .invalid("A token label is at most 100 characters.") }
        return trimmed
    }

    /// A token's expiry must lie ahead.
    package static func checkExpiry(_ expiresAt: Date?, now: Date) throws(DomainError) {
        if let expiresAt, expiresAt <= now { throw .invalid("A token's expiry must be in the future.") }
    }

    /// The subject of a token an account issues for itself: a tenant's own tokens are member tokens.
    package static func ownSubject(of principal: Principal) -> TokenSubject {
        switch principal {
        case .tenant(let tenant, _): .tenant(tenant, role: .member)
        case .staff(let name, _): .staff(name)
        }
    }

    /// Parses an optional lifetime ("30d") into an expiry time from `now`.
    package static func expiry(_ duration: String?, now: Date) throws(DomainError) -> Date? {
        guard let duration else { return nil }
        return now.addingTimeInterval(try self.duration(duration))
    }

    /// Who may issue a token for `subject`: the operator for anyone; an account for itself (a
    /// tenant's own tokens are member tokens).
    package static func requireMayIssue(for subject: TokenSubject, by principal: Principal) throws(DomainError) {
        if case .staff(_, .admin) = principal { return }
        switch (subject, principal) {
        case (.tenant(let tenant, .member), .tenant(let own, _)) where tenant == own: return
        case (.staff(let name), .staff(let own, _)) where name == own: return
        default: throw .forbidden("You may issue tokens only for your own account.")
        }
    }

    /// Who may revoke a token: the operator any; an account only its own (404 for anyone else's: no oracle).
    package static func requireMayRevoke(_ token: TokenInfo, by principal: Principal) throws(DomainError) {
        if case .staff(_, .admin) = principal { return }
        guard HeldAccount.key(of: token.principal) == HeldAccount.key(of: principal) else {
            throw .notFound("No token \(token.id) on this account.")
        }
    }
}
